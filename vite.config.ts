// The renderer build: React with zustand and recharts, relative asset URLs so the same output
// works from app://octet (Electron) and from `octet serve` (browser mode).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome120',
    chunkSizeWarningLimit: 1200,
  },
  server: { host: '127.0.0.1' },
});
