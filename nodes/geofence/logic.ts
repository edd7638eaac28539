// Is a "lat, lng" point inside the configured area? With @turf/turf (GeoJSON is [lng, lat]).
import { booleanPointInPolygon, point, polygon } from '@turf/turf';
import type { GeofenceConfig, Point } from './config.js';

/** Parses dojot's geo:point value "lat,lng" (spaces allowed); null when it is not one. */
export function parsePoint(v: unknown): Point | null {
  if (typeof v !== 'string') return null;
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length !== 2 || parts.some((s) => s === '')) return null;
  const [latitude, longitude] = parts.map(Number);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
    return null;
  return { latitude, longitude };
}

function ring(cfg: GeofenceConfig): [number, number][] {
  if (cfg.mode === 'rectangle') {
    const [a, b] = cfg.points;
    const [s, n] = [Math.min(a.latitude, b.latitude), Math.max(a.latitude, b.latitude)];
    const [w, e] = [Math.min(a.longitude, b.longitude), Math.max(a.longitude, b.longitude)];
    return [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ];
  }
  const r = cfg.points.map((p) => [p.longitude, p.latitude] as [number, number]);
  return [...r, r[0]];
}

export function isInside(cfg: GeofenceConfig, p: Point): boolean {
  return booleanPointInPolygon(point([p.longitude, p.latitude]), polygon([ring(cfg)]));
}

/** Does the message pass the filter? */
export const passes = (cfg: GeofenceConfig, p: Point): boolean => isInside(cfg, p) === (cfg.filter === 'inside');
