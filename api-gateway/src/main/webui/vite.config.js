import { defineConfig } from 'vite';

// Built into the gateway's jar: Quarkus serves META-INF/resources, so the page is at /lab/.
export default defineConfig({
  base: '/lab/',
  build: {
    outDir: '../../../target/classes/META-INF/resources/lab',
    emptyOutDir: true,
  },
});
