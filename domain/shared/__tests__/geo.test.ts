import fc from 'fast-check';
import { boundsAround, distanceKm, GeoPoint } from '../geo';

const point = fc.record({ lat: fc.double({ min: -89.9, max: 89.9, noNaN: true }), lon: fc.double({ min: -179.9, max: 179.9, noNaN: true }) });
const inside = (b: NonNullable<ReturnType<typeof boundsAround>>, p: GeoPoint) => p.lat >= b.lat.min && p.lat <= b.lat.max && p.lon >= b.lon.min && p.lon <= b.lon.max;

describe('bounds around a point', () => {
  it('property: every point within the radius is inside the bounds', () => {
    fc.assert(
      fc.property(point, fc.double({ min: 0, max: 2000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), (center, radiusKm, fraction, bearing) => {
        const bounds = boundsAround(center, radiusKm);
        fc.pre(bounds !== undefined);
        // A point at `fraction` of the radius in direction `bearing` (destination on the sphere).
        const angle = (radiusKm * fraction) / 6371;
        const rad = Math.PI / 180;
        const lat1 = center.lat * rad;
        const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angle) + Math.cos(lat1) * Math.sin(angle) * Math.cos(bearing));
        const lon2 = center.lon * rad + Math.atan2(Math.sin(bearing) * Math.sin(angle) * Math.cos(lat1), Math.cos(angle) - Math.sin(lat1) * Math.sin(lat2));
        const p = { lat: lat2 / rad, lon: lon2 / rad };
        fc.pre(distanceKm(center, p) <= radiusKm);
        expect([center, radiusKm, p, inside(bounds!, p)]).toEqual([center, radiusKm, p, true]);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: random points the distance lets in are inside the bounds', () => {
    fc.assert(
      fc.property(point, point, fc.double({ min: 0, max: 3000, noNaN: true }), (center, p, radiusKm) => {
        const bounds = boundsAround(center, radiusKm);
        if (bounds && distanceKm(center, p) <= radiusKm) expect(inside(bounds, p)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('the widest longitudes are not at the center latitude, and the box is not much wider than the circle', () => {
    const b = boundsAround({ lat: 60, lon: 10 }, 100)!;
    // 100 km at 60°N: about 0.9° of latitude and 1.8° of longitude either way.
    expect(b.lat.max - 60).toBeCloseTo(0.899, 2);
    expect(b.lon.max - 10).toBeCloseTo(1.8, 1);
    expect(distanceKm({ lat: 60, lon: 10 }, { lat: 60, lon: b.lon.max })).toBeGreaterThan(100);
  });

  it('no box across a pole or the antimeridian, or for a radius that is not a number', () => {
    expect(boundsAround({ lat: 89.5, lon: 0 }, 100)).toBeUndefined();
    expect(boundsAround({ lat: 0, lon: 179.5 }, 100)).toBeUndefined();
    expect(boundsAround({ lat: 0, lon: 0 }, Number.NaN)).toBeUndefined();
    expect(boundsAround({ lat: 0, lon: 0 }, 0)).toEqual({ lat: { min: -1e-9, max: 1e-9 }, lon: { min: -1e-9, max: 1e-9 } });
  });
});
