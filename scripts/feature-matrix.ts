// Prints docs/features.md, the feature matrix (a row per KernelFeatures behaviour, a column per profile):
//   npx tsx scripts/feature-matrix.ts > docs/features.md     (npm run features)
import { featureMatrixMarkdown } from '../src/profiles/feature-matrix.js';

process.stdout.write(featureMatrixMarkdown());
