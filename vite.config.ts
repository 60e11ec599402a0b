// The web page (hvosim serve): built from web/ into dist-web/, importing the simulator from src/.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: './',
  build: { outDir: '../dist-web', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
  worker: { format: 'es' },
  logLevel: 'warn',
});
