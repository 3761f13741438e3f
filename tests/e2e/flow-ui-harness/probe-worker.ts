/// <reference lib="webworker" />
// Tries a connection on request and says whether the page's CSP let it through.
self.onmessage = async (e: MessageEvent<string>) => {
  try {
    await fetch(e.data, { mode: 'no-cors', cache: 'no-store' });
    postMessage('allowed');
  } catch {
    postMessage('blocked');
  }
};
