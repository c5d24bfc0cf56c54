/**
 * Where the visit is, on a Leaflet map (loaded with this page only: the feed does not pay for it).
 * The tiles come from the server's configuration (MAP_TILE_URL); the pin is drawn, not an image,
 * so the map needs nothing but its tiles, and shows the spot even when they do not load (offline).
 */
import 'leaflet/dist/leaflet.css';
import { CircleMarker, MapContainer, TileLayer } from 'react-leaflet';

/** Leaflet shows the attribution as HTML: the configured text is shown as text. */
function asText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export default function VisitMap({ lat, lon, tiles }: { lat: number; lon: number; tiles: { url: string; attribution: string } }) {
  return (
    <MapContainer center={[lat, lon]} zoom={15} scrollWheelZoom={false} style={{ height: 220, borderRadius: 8 }} className="visit-map">
      {/* Tile servers (OpenStreetMap's among them) want to know the site using them: the app's origin, not the page. */}
      <TileLayer url={tiles.url} attribution={asText(tiles.attribution)} referrerPolicy="strict-origin-when-cross-origin" />
      <CircleMarker center={[lat, lon]} radius={11} pathOptions={{ color: '#ffffff', weight: 3, fillColor: '#364fc7', fillOpacity: 1 }} />
    </MapContainer>
  );
}
