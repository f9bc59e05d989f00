/** Where ../shared/eval-data is; tests that need it skip with this message when it is absent. */
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/helpers: the repository root is three levels up, shared/ beside it.
export const EVAL_DATA = process.env.ARGUS_EVAL_DATA ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'eval-data');
export const hasEvalData = existsSync(EVAL_DATA);
export const NO_EVAL_DATA = `eval-data not found at ${EVAL_DATA}; set ARGUS_EVAL_DATA or place shared/eval-data beside the repository`;

/** Where ../shared/models is (the TFLite backbones); tests that need it skip with NO_SHARED_MODELS. */
export const SHARED_MODELS = process.env.ARGUS_MODELS_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'models');
export const hasSharedModels = existsSync(SHARED_MODELS);
export const NO_SHARED_MODELS = `shared models not found at ${SHARED_MODELS}; set ARGUS_MODELS_DIR or place shared/models beside the repository`;
