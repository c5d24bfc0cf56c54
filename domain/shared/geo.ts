/** A point on the map (WGS 84 degrees). */
export interface GeoPoint {
  lat: number;
  lon: number;
}

export function isGeoPoint(p: GeoPoint): boolean {
  return Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180;
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle (haversine) distance in kilometres. */
export function distanceKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The latitudes and longitudes between which a set of points lies (inclusive). */
export interface GeoBounds {
  lat: { min: number; max: number };
  lon: { min: number; max: number };
}

/**
 * Bounds that hold every point within `radiusKm` of `center`, so a query can leave out what is
 * surely too far before the distance is tested; undefined when they would reach a pole or cross
 * the antimeridian (no simple box then). Latitudes within the radius's angle; longitudes within
 * asin(sin(angle) / cos(latitude)), the widest a circle on the sphere gets. A hair wider than
 * exact, so rounding never leaves a point out that distanceKm lets in.
 */
export function boundsAround(center: GeoPoint, radiusKm: number): GeoBounds | undefined {
  const angle = radiusKm / EARTH_RADIUS_KM;
  const rad = Math.PI / 180;
  const lat = center.lat * rad;
  if (!(angle >= 0) || lat - angle <= -Math.PI / 2 || lat + angle >= Math.PI / 2) return undefined;
  const dLat = angle / rad + 1e-9;
  const dLon = Math.asin(Math.min(1, Math.sin(angle) / Math.cos(lat))) / rad + 1e-9;
  if (center.lon - dLon < -180 || center.lon + dLon > 180) return undefined;
  return { lat: { min: center.lat - dLat, max: center.lat + dLat }, lon: { min: center.lon - dLon, max: center.lon + dLon } };
}
