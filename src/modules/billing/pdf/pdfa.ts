/**
 * What turns a pdfkit document into a Factur-X carrier (PDF/A-3b):
 * - pdfkit itself, with `subset: 'PDF/A-3b'`, writes the XMP packet with pdfaid:part 3 / conformance B
 *   and an OutputIntent (GTS_PDFA1) with the sRGB IEC61966-2.1 ICC profile shipped inside the pdfkit
 *   package (node_modules/pdfkit/js/data/sRGB_IEC61966_2_1.icc) — nothing fetched, nothing from Debian;
 * - here: the embedded `factur-x.xml` (AFRelationship /Data, MIME text/xml, in the catalog's /AF array
 *   and in /Names /EmbeddedFiles — both done by pdfkit's `file()`), and the Factur-X XMP extension schema
 *   (fx:DocumentType, fx:DocumentFileName, fx:Version, fx:ConformanceLevel) that PDF/A requires for a
 *   custom namespace to be declared.
 */
import { FACTURX_FILENAME } from '../facturx/facturx.ts';

export const FACTURX_XMP_NAMESPACE = 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#';

/** the PDF/A extension schema declaring the fx: properties, then their values */
export function facturxXmp(conformanceLevel: 'EN 16931' = 'EN 16931'): string {
  const property = (name: string, description: string): string => `
                <rdf:li rdf:parseType="Resource">
                  <pdfaProperty:name>${name}</pdfaProperty:name>
                  <pdfaProperty:valueType>Text</pdfaProperty:valueType>
                  <pdfaProperty:category>external</pdfaProperty:category>
                  <pdfaProperty:description>${description}</pdfaProperty:description>
                </rdf:li>`;
  return `
        <rdf:Description rdf:about=""
            xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
            xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
            xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
          <pdfaExtension:schemas>
            <rdf:Bag>
              <rdf:li rdf:parseType="Resource">
                <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
                <pdfaSchema:namespaceURI>${FACTURX_XMP_NAMESPACE}</pdfaSchema:namespaceURI>
                <pdfaSchema:prefix>fx</pdfaSchema:prefix>
                <pdfaSchema:property>
                  <rdf:Seq>${property('DocumentFileName', 'The name of the embedded XML document')}${property(
                    'DocumentType',
                    'The type of the hybrid document in capital letters, e.g. INVOICE or ORDER',
                  )}${property('Version', 'The actual version of the standard applying to the embedded XML document')}${property(
                    'ConformanceLevel',
                    'The conformance level of the embedded XML document',
                  )}
                  </rdf:Seq>
                </pdfaSchema:property>
              </rdf:li>
            </rdf:Bag>
          </pdfaExtension:schemas>
        </rdf:Description>
        <rdf:Description rdf:about="" xmlns:fx="${FACTURX_XMP_NAMESPACE}">
          <fx:DocumentType>INVOICE</fx:DocumentType>
          <fx:DocumentFileName>${FACTURX_FILENAME}</fx:DocumentFileName>
          <fx:Version>1.0</fx:Version>
          <fx:ConformanceLevel>${conformanceLevel}</fx:ConformanceLevel>
        </rdf:Description>`;
}

/** xmp:ModifyDate, which pdfkit does not write but PDF/A wants equal to the Info dictionary's ModDate */
export function modifyDateXmp(date: Date): string {
  return `
        <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
          <xmp:ModifyDate>${date.toISOString().split('.')[0]}Z</xmp:ModifyDate>
          <xmp:MetadataDate>${date.toISOString().split('.')[0]}Z</xmp:MetadataDate>
        </rdf:Description>`;
}
