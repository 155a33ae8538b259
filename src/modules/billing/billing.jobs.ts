import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/**
 * Renders and stores the PDFs of the documents issued since the last run (`Ledger.renderPending`):
 * issuing does not wait for the rendering. Scheduled every minute and sent at start; documents
 * without a stored PDF are the work list itself, so nothing is lost between runs, and issuing a
 * document costs no job. Every reader renders a missing PDF on demand too (download, mail
 * attachment, export), so a run that has not come yet delays nothing.
 */
export const renderPendingPdfsJob = defineJob('billing.render-pdfs', z.object({}), { retryLimit: 3, retryDelay: 60 });
