import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = import.meta.dirname;

/**
 * One build, three apps: the admin console, the point-of-sale screen and the member portal.
 * Each is a page of its own (own entry, own bundle) sharing web/shared; the server serves
 * dist/web and sends each app's index.html for every path under its prefix.
 */
export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  build: {
    outDir: resolve(root, "../dist/web"),
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: {
        admin: resolve(root, "admin/index.html"),
        pos: resolve(root, "pos/index.html"),
        portal: resolve(root, "portal/index.html"),
      },
    },
  },
  server: {
    proxy: { "/v1": "http://localhost:3000", "/auth": "http://localhost:3000", "/openapi.json": "http://localhost:3000" },
  },
});
