/**
 * Vite plugin: puts the static part of the Content-Security-Policy (csp.ts) at the top of
 * index.html's <head>, before any script, in both the dev server and the build.
 */
import type { Plugin } from 'vite';
import { staticPolicy } from './csp.js';

export function cspPlugin(): Plugin {
  return {
    name: 'distillery-csp',
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        const policy = staticPolicy(ctx.server ? 'dev' : 'build');
        const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}" />`;
        // After the charset declaration when there is one (it must stay in the first bytes).
        return /<meta charset[^>]*>/i.test(html)
          ? html.replace(/(<meta charset[^>]*>)/i, `$1\n    ${meta}`)
          : html.replace(/<head>/i, `<head>\n    ${meta}`);
      },
    },
  };
}
