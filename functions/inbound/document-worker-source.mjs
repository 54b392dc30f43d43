// The document worker run from source (npm start, tests): TypeScript through tsx. Deployed, the
// bundled document-worker.mjs beside the handler is started instead (see document-budget.ts).
import { tsImport } from 'tsx/esm/api';

await tsImport('./document-worker.ts', import.meta.url);
