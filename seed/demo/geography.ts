import { Rng } from './random';

/** Springfield, MA: experts and customers are placed around it. */
const CENTER = { lat: 42.1015, lon: -72.5898 };
export function around(rng: Rng, maxKm: number): { lat: number; lon: number } {
  const r = maxKm * Math.sqrt(rng.float());
  const theta = rng.float() * 2 * Math.PI;
  const dLat = (r * Math.cos(theta)) / 111.32;
  const dLon = (r * Math.sin(theta)) / (111.32 * Math.cos((CENTER.lat * Math.PI) / 180));
  return { lat: Math.round((CENTER.lat + dLat) * 1e5) / 1e5, lon: Math.round((CENTER.lon + dLon) * 1e5) / 1e5 };
}
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
