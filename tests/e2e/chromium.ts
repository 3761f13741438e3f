import { existsSync } from 'node:fs';

/** Where the tests look for Chromium: $CHROMIUM_PATH, then Debian's and other usual paths. */
const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].filter((p): p is string => !!p);

export function findChromium(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'No Chromium found for the browser tests. Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) '
      + 'or set CHROMIUM_PATH to a Chromium or Chrome executable. Looked in: ' + CANDIDATES.join(', '),
    );
  }
  return found;
}

/** WebGPU through SwiftShader works headless on a page served from 127.0.0.1. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export function chromiumLaunchOptions() {
  return { executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true };
}
