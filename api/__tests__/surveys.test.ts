/**
 * The survey link's refusals as given/when/then, without the whole system: the link is the only
 * credential, so an unknown link is not found, a used one a conflict, an expired one gone. The
 * answer that is recorded is walked end to end in tickets.test.ts.
 */
import { surveyRoutes } from '../routes/surveys';
import { apiSpecification, testApiServices, TestApiServices } from '../../testing/api-specification';

describe('survey links', () => {
  let token: string;
  beforeAll(async () => {
    const services = testApiServices();
    token = services.surveyTokens.tokenFor('t1');
    await services.stop();
  });

  /** Services where the survey link of ticket t1 (customer c1) was sent at the test clock's time, for 30 days. */
  const linkSent = async (then: (services: TestApiServices) => Promise<void> = async () => undefined) => {
    const services = testApiServices();
    await services.surveyTokens.issue('t1', 'c1', services.clock());
    await then(services);
    return services;
  };
  const answer = { rating: 5, comments: 'quick and tidy' };

  it('an unknown link is not found', async () => {
    const api = apiSpecification(surveyRoutes, () => testApiServices());
    await api.given().when({ method: 'GET', path: `/survey/${token}` }).then({ status: 404, problem: 'not-found' });
    await api.given().when({ method: 'POST', path: `/survey/${token}`, body: answer }).then({ status: 404, problem: 'not-found' });
  });

  it('a used link is a conflict', async () => {
    const api = apiSpecification(surveyRoutes, () => linkSent(async (s) => void (await s.surveyTokens.redeem(token, s.clock()))));
    await api.given().when({ method: 'GET', path: `/survey/${token}` }).then({ status: 409, problem: 'survey-already-answered', body: { title: 'Survey already answered' } });
    await api.given().when({ method: 'POST', path: `/survey/${token}`, body: answer }).then({ status: 409, problem: 'survey-already-answered' });
  });

  it('an expired link is gone', async () => {
    const api = apiSpecification(surveyRoutes, () => linkSent(async (s) => s.setClock('2026-04-02T08:00:00.000Z')));
    await api.given().when({ method: 'POST', path: `/survey/${token}`, body: answer }).then({ status: 410, problem: 'survey-link-expired', body: { detail: 'this survey link expired on 2026-04-01' } });
  });

  it('a link whose ticket is not there is not valid, and nothing is written', async () => {
    const api = apiSpecification(surveyRoutes, () => linkSent());
    const { newEvents } = await api.given().when({ method: 'POST', path: `/survey/${token}`, body: answer }).then({ status: 404, problem: 'not-found', body: { detail: 'This survey link is not valid.' } });
    expect(newEvents).toEqual([]);
    await api.given().when({ method: 'GET', path: `/survey/${token}` }).then({ status: 404, body: { detail: 'This survey link is not valid.' } });
  });

  it('a rating outside 1 to 5 is an invalid request', () =>
    apiSpecification(surveyRoutes, () => linkSent())
      .given()
      .when({ method: 'POST', path: `/survey/${token}`, body: { rating: 6 } })
      .then({ status: 400, problem: 'invalid-request', body: { errors: [{ field: 'rating' }] } }));
});
