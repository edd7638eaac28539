// Pages are addressed by the URL's hash (#/devices/ab12c): the platform serves the console at "/"
// only, and the REST paths (/device, /template…) stay the API's.
import { useEffect, useState } from 'preact/hooks';

export function parseHash(hash: string): { parts: string[]; query: URLSearchParams } {
  const [path, q = ''] = hash.replace(/^#\/?/, '').split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

export function useRoute() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parseHash(hash);
}

export function go(path: string) {
  location.hash = `#/${path}`;
}

export const href = (path: string) => `#/${path}`;
