import { ConfigError, oneOf, pathField, str } from '../_shared/config-error.js';

/** The keys of dojot's `geofence` (§5.3). */
export const KEYS = ['name', 'mode', 'filter', 'points', 'geopoint'] as const;

/** dojot drew the area as a polygon ("polyline" in its editor); a rectangle is two opposite corners. */
export const MODES = ['polyline', 'polygon', 'rectangle'] as const;
export const FILTERS = ['inside', 'outside'] as const;

export interface Point {
  latitude: number;
  longitude: number;
}

export interface GeofenceConfig {
  name: string;
  mode: (typeof MODES)[number];
  filter: (typeof FILTERS)[number];
  points: Point[];
  geopoint: string;
}

export function parse(def: Record<string, unknown>): GeofenceConfig {
  const mode = oneOf(def, 'mode', MODES, 'polyline');
  const filter = oneOf(def, 'filter', FILTERS, 'inside');
  const raw = def.points;
  if (!Array.isArray(raw)) throw new ConfigError('points', 'must be a list of {latitude, longitude}');
  const points = raw.map((p, i) => {
    const lat = Number((p as Point | null)?.latitude);
    const lng = Number((p as Point | null)?.longitude);
    if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
      throw new ConfigError(`points[${i}]`, 'must have a latitude (-90..90) and a longitude (-180..180)');
    }
    return { latitude: lat, longitude: lng };
  });
  if (mode === 'rectangle' && points.length !== 2)
    throw new ConfigError('points', 'a rectangle needs two opposite corners');
  if (mode !== 'rectangle' && points.length < 3) throw new ConfigError('points', 'an area needs at least three points');
  return { name: str(def, 'name'), mode, filter, points, geopoint: pathField(def, 'geopoint') };
}
