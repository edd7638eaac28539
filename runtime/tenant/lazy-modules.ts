// Node-RED requires every node's file at start, and each file requires its libraries then, though
// a flow may never use them: an idle runtime would hold the HTML parser, the MQTT client, the
// cookie jar and so on (their source text, compiled code and data: several MB of its heap,
// docs/benchmarks.md). For the libraries below, the node file gets a stand-in that loads the real
// library on its first use (a call, `new`, or reading a property): the palette is the same, and a
// flow that uses the node loads the library when its first message (or its start) needs it.
//
// A stand-in is only right where the requiring file uses the library as a function, a class or an
// object of functions and classes (checked for each entry below): reading one of its members gives a
// stand-in for that member too, which loads the library when called or constructed. A library used
// otherwise (`instanceof`, a constant read at load) must not be listed.
import Module from 'node:module';

/** A library, and the files (by the end of their path) that get a stand-in for it. */
export interface LazyModule {
  request: string;
  from: string[];
}

const NR = '@node-red/nodes/core/';
export const LAZY_MODULES: readonly LazyModule[] = [
  // `moment(...)` for JSONata's $moment and the inject node's timestamps: zone data of ~1 MB
  { request: 'moment-timezone', from: ['@node-red/util/lib/util.js'] },
  // `cheerio.load(...)` in the html node
  { request: 'cheerio', from: [`${NR}parsers/70-HTML.js`] },
  // `xml2js.parseString(...)`, `new xml2js.Builder(...)` in the xml node
  { request: 'xml2js', from: [`${NR}parsers/70-XML.js`] },
  // `yaml.load(...)`, `yaml.dump(...)` in the yaml node, `yaml.load(...)` in template
  { request: 'js-yaml', from: [`${NR}parsers/70-YAML.js`, `${NR}function/80-template.js`] },
  // `mqtt.connect(...)` in the mqtt nodes
  { request: 'mqtt', from: [`${NR}network/10-mqtt.js`] },
  // `new HttpsProxyAgent(...)` in the mqtt and websocket nodes
  { request: 'https-proxy-agent', from: [`${NR}network/10-mqtt.js`, `${NR}network/22-websocket.js`] },
  // `new CookieJar()`, `new HttpProxyAgent(...)`/`new HttpsProxyAgent(...)`, `new FormData()` in http request
  { request: 'tough-cookie', from: [`${NR}network/21-httprequest.js`] },
  { request: 'hpagent', from: [`${NR}network/21-httprequest.js`] },
  { request: 'form-data', from: [`${NR}network/21-httprequest.js`] },
  // `tar.x(...)` in Node-RED's palette installer (installs are off: docs/sandbox.md)
  { request: 'tar', from: ['@node-red/registry/lib/installer.js'] },
  // `bcrypt.compare(...)` for Node-RED's own users (the platform's tokens are used instead: admin-auth.ts)
  { request: '@node-rs/bcrypt', from: ['@node-red/editor-api/lib/auth/users.js'] },
  // the dojot geofence node's `booleanPointInPolygon(point(...), polygon(...))`
  { request: '@turf/turf', from: ['/nodes/geofence/logic.js'] },
  // the dojot ftp node's `new Client(...)`
  { request: 'basic-ftp', from: ['/nodes/ftp/ftp.js'] },
];

type Load = () => Record<PropertyKey, unknown>;

/** A stand-in for `get()` (a library, or one of its members): any use of it loads the real thing. */
function standIn(get: Load, lib: Load): unknown {
  const real = () => get() as unknown as object;
  // A bound function as target: calls and `new` reach the traps, and it has no own `prototype`
  // that every stand-in would have to report.
  const target = function lazy() {}.bind(null);
  const proxy: object = new Proxy(target, {
    apply: (_t, self, args) => Reflect.apply(real() as (...a: unknown[]) => unknown, self, args),
    construct: (_t, args, newTarget) => {
      const ctor = real() as new (...a: unknown[]) => object;
      return Reflect.construct(ctor, args, newTarget === proxy ? ctor : newTarget);
    },
    get: (_t, key) => {
      // A member read before the library is needed (a destructuring `const { X } = require(...)`)
      // stays lazy; once the library is loaded, members are the real ones.
      if (loaded.has(lib) || typeof key === 'symbol' || key === '__esModule') return Reflect.get(real(), key);
      // Not a promise: `await` on a stand-in must not load the library.
      if (key === 'then') return undefined;
      return standIn(() => get()[key] as Record<PropertyKey, unknown>, lib);
    },
    has: (_t, key) => Reflect.has(real(), key),
    set: (_t, key, value) => Reflect.set(real(), key, value),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      // A proxy may not report a property as non-configurable unless its target has it so.
      return d ? { ...d, configurable: true } : undefined;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
  return proxy;
}

const loaded = new Set<Load>();

/** Which libraries were loaded through their stand-ins (for tests and measurement). */
export const lazyLoaded = new Set<string>();

/** Installs the stand-ins: before Node-RED (and its nodes) load. */
export function installLazyModules(modules: readonly LazyModule[] = LAZY_MODULES): void {
  const internal = Module as unknown as {
    _load(request: string, parent: { filename?: string } | null, isMain: boolean): unknown;
  };
  const original = internal._load;
  internal._load = function (request, parent, isMain) {
    const file = parent?.filename?.replaceAll('\\', '/');
    const entry = file ? modules.find((m) => m.request === request && m.from.some((f) => file.endsWith(f))) : undefined;
    if (!entry) return original.call(this, request, parent, isMain);
    let value: Record<PropertyKey, unknown> | undefined;
    const lib: Load = () => {
      if (value === undefined) {
        value = original.call(this, request, parent, isMain) as Record<PropertyKey, unknown>;
        loaded.add(lib);
        lazyLoaded.add(request);
      }
      return value;
    };
    return standIn(lib, lib);
  };
}
