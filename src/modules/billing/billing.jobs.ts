import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/**
 * Renders an issued document's PDF and stores it, once (`Ledger.pdf`), after the commit that issued
 * it: issuing does not wait for the rendering. Idempotent (a PDF already stored is left as it is);
 * every reader renders it on demand too, so a job that has not run yet delays nothing.
 */
export const renderDocumentPdfJob = defineJob('billing.render-pdf', z.object({ documentId: z.number().int().positive() }), {
  retryLimit: 5,
  retryDelay: 30,
  retryBackoff: true,
});
