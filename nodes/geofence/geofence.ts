// `geofence`: passes the message on only when its point is inside (or outside) the area; a
// message without a valid "lat,lng" point stops here, reported to Catch nodes.
import { ConfigError } from '../_shared/config-error.js';
import { getPath } from '../_shared/msg.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { parsePoint, passes } from './logic.js';

export = function register(RED: Red): void {
  function Geofence(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    let cfg: ReturnType<typeof parse>;
    try {
      cfg = parse(def);
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('geofence.status.bad-config') });
      this.error(err);
      this.on('input', (_m, _s, done) => done());
      return;
    }
    this.on('input', (msg, send, done) => {
      const raw = getPath(msg, cfg.geopoint);
      const p = parsePoint(raw);
      if (!p)
        return done(
          new ConfigError(cfg.geopoint, `is not a "lat, lng" point (got ${JSON.stringify(raw) ?? 'nothing'})`),
        );
      if (!passes(cfg, p)) return done();
      // dojot marked where a message is: named areas it is inside of, in msg.location.isat.
      if (cfg.filter === 'inside' && cfg.name) {
        const loc = (msg.location && typeof msg.location === 'object' ? msg.location : {}) as { isat?: unknown };
        loc.isat = [...(Array.isArray(loc.isat) ? loc.isat : []), cfg.name];
        msg.location = loc;
      }
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('geofence', Geofence);
};
