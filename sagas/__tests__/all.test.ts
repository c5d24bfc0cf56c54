import { loadConfig } from '../../config/config';
import { allSagaNames, allSagas } from '../all';

describe('the saga list', () => {
  it('names the sagas it builds, so replay and restore find their checkpoints without building them', () => {
    // Building a saga touches none of its dependencies; the names are all this looks at.
    const sagas = allSagas({ config: loadConfig({ NODE_ENV: 'test' }), outbox: {} as never, surveyTokens: {} as never, experts: {} as never, payments: { gateway: {} as never, retryDays: [1, 3, 7] } });
    expect(sagas.map((saga) => saga.name)).toEqual(allSagaNames);
  });
});
