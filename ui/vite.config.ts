import { defineConfig } from 'vitest/config';

// Tauri serves ui/dist; the dev server port matches tauri.conf.json's devUrl.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: 'safari15', outDir: 'dist', emptyOutDir: true, sourcemap: false },
  test: { environment: 'jsdom', include: ['test/**/*.test.ts'] },
});
