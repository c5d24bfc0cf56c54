import { MongoNetworkError, MongoServerError } from 'mongodb';
import { databaseFromUrl, mapMongoError, MongoDocumentStore, withStringId } from '../mongodb';
import { DocumentStoreUnavailable, DuplicateKey } from '../port';

// What can be checked of the MongoDB adapter with no server: the conformance suite needs one (mongodb.test.ts).
describe('mongodb adapter, without a server', () => {
  it('takes the database from the URL path, host lists included', () => {
    expect(databaseFromUrl('mongodb://mongo1:27017,mongo2:27017,mongo3:27017/sysops?replicaSet=rs0')).toBe('sysops');
    expect(databaseFromUrl('mongodb+srv://user:p%40ss@cluster.example.net/field%20service?retryWrites=true')).toBe('field service');
    expect(databaseFromUrl('mongodb://localhost:27017')).toBeUndefined();
    expect(databaseFromUrl('mongodb://localhost:27017/?replicaSet=rs0')).toBeUndefined();
  });

  it('maps E11000 to DuplicateKey and connectivity errors to DocumentStoreUnavailable; passes the rest through', () => {
    const duplicate = mapMongoError(new MongoServerError({ message: 'E11000 duplicate key', code: 11000, keyValue: { email: 'a@x' } }), 'people');
    expect(duplicate).toBeInstanceOf(DuplicateKey);
    expect(duplicate).toMatchObject({ collection: 'people', key: { email: 'a@x' } });
    const network = new MongoNetworkError('connection reset');
    const unavailable = mapMongoError(network, 'people');
    expect(unavailable).toBeInstanceOf(DocumentStoreUnavailable);
    expect((unavailable as Error).cause).toBe(network);
    const other = new MongoServerError({ message: 'immutable _id', code: 66 });
    expect(mapMongoError(other, 'people')).toBe(other);
  });

  it('gives an upsert a string _id unless the filter or the update names one', () => {
    const update = { $set: { name: 'Ann' } };
    expect(withStringId({ email: 'a' }, update, false)).toBe(update);
    expect(withStringId({ _id: 'p1' }, update, true)).toBe(update);
    expect(withStringId({ email: 'a' }, { $setOnInsert: { _id: 'mine' } }, true)).toEqual({ $setOnInsert: { _id: 'mine' } });
    const added = withStringId({ email: 'a' }, { ...update, $setOnInsert: { createdBy: 'x' } }, true);
    expect(added).toEqual({ $set: { name: 'Ann' }, $setOnInsert: { createdBy: 'x', _id: expect.any(String) } });
  });

  it('an unreachable server is DocumentStoreUnavailable', async () => {
    const store = new MongoDocumentStore({ url: 'mongodb://127.0.0.1:9/sysops?serverSelectionTimeoutMS=300&connectTimeoutMS=300' });
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(DocumentStoreUnavailable);
      await expect(store.collection('c').insertOne({ _id: 'a' })).rejects.toBeInstanceOf(DocumentStoreUnavailable);
    } finally {
      await store.close();
    }
  });
});
