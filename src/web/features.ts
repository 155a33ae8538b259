/**
 * Features that the texts may speak of only once they exist. Each switch is turned on, here, by the
 * change that builds the feature: until then the FAQ, the CGV and the portal say nothing about it
 * (a text never promises what the portal cannot do).
 */
export const FEATURES = {
  /** "Archiver", "Import", "Export", "Restaurer", "Supprimer" on the instance page */
  archives: true,
  /** Opale → Émeraude during the year, the difference prorated */
  upgrade: true,
  /** the automatic renewal order sent before the end of the year */
  renewal: true,
  /** the "Demande information" form of accompaniment */
  supportForm: true,
} as const satisfies Record<string, boolean>;

export type Feature = keyof typeof FEATURES;

export type FeatureSet = Readonly<Record<Feature, boolean>>;

export function isFeature(name: string): name is Feature {
  return Object.hasOwn(FEATURES, name);
}

/**
 * The features of this build; a test may pass other values to see the texts of a feature turned on.
 */
export function features(overrides: Partial<Record<Feature, boolean>> = {}): FeatureSet {
  return { ...FEATURES, ...overrides };
}
