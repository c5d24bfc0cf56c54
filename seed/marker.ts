/**
 * Whether a demo seed was interrupted: a document marks the seed running until it is done, so
 * the next `npm start` or `npm run seed` finishes it (`resume`) instead of skipping the tickets
 * it had begun.
 */
import { DocumentStore } from '../document-store/port';

interface SeedMarker {
  _id: string;
  status: 'running' | 'done';
  [field: string]: unknown;
}

export class SeedProgress {
  private readonly marker;

  constructor(documents: DocumentStore) {
    this.marker = documents.collection<SeedMarker>('_system');
  }

  async interrupted(): Promise<boolean> {
    return (await this.marker.findOne({ _id: 'demo-seed' }))?.status === 'running';
  }

  /** The demo data was written completely (its logins exist). */
  async finished(): Promise<boolean> {
    return (await this.marker.findOne({ _id: 'demo-seed' }))?.status === 'done';
  }

  async running(): Promise<void> {
    await this.marker.updateOne({ _id: 'demo-seed' }, { $set: { status: 'running' } }, { upsert: true });
  }

  async done(): Promise<void> {
    await this.marker.updateOne({ _id: 'demo-seed' }, { $set: { status: 'done' } }, { upsert: true });
  }
}
