import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { deterministicUuid } from '../../commands/handler';
import { userAccounts } from '../../commands/user-account';
import { USER_ROLES } from '../../domain/user-account/user-account';
import { UserDoc, USERS } from '../../projections/users/projection';
import { accountOf, toAuthUser } from '../auth/accounts';
import { reserveEmail } from '../auth/email-reservations';
import { DUMMY_HASH } from '../auth/passwords';
import { route, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { ALL_ROLES } from './roles';

const Email = z.string().trim().toLowerCase().email().max(254);
const Password = z.string().min(10, 'at least 10 characters').max(200);

export const GeoPointSchema = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });
export const AddressSchema = z.object({
  line1: z.string().trim().min(1).max(200),
  city: z.string().trim().min(1).max(100),
  postalCode: z.string().trim().min(1).max(20),
  country: z.string().trim().length(2),
  location: GeoPointSchema,
});
export const ContactSchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: Email,
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{6,20}$/, 'a phone number such as +1 555 0100'),
  address: AddressSchema,
});

// ---- answers --------------------------------------------------------------------------------

export const GeoPointView = z.strictObject({ lat: z.number().describe('Latitude, WGS 84 degrees'), lon: z.number().describe('Longitude, WGS 84 degrees') });
export const AddressView = z.strictObject({
  line1: z.string(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string().describe('ISO 3166-1 alpha-2 country code, e.g. US'),
  location: GeoPointView.describe('Where the address is: visits happen here, and experts are matched by distance to it'),
});
export const ContactView = z.strictObject({ name: z.string(), email: z.string(), phone: z.string(), address: AddressView });

/** The account a login or token stands for. */
export const AccountView = z.strictObject({
  userId: z.string(),
  role: z.enum(USER_ROLES),
  customerId: z.string().optional().describe('The customer profile of a customer login (absent for other roles)'),
  expertId: z.string().optional().describe('The expert profile of an expert login (absent for other roles)'),
  email: z.string(),
});

/** A new session: what login and refresh answer. */
export const Session = z.strictObject({
  accessToken: z.string().describe('Send as `Authorization: Bearer <accessToken>`'),
  expiresIn: z.number().int().describe('Seconds until the access token expires (15 minutes): refresh before then'),
  tokenType: z.literal('Bearer'),
  refreshToken: z.string().describe('Single use: POST /auth/refresh trades it for a new session (and a new refresh token)'),
  user: AccountView,
});
export type Session = z.infer<typeof Session>;

export const Me = AccountView.extend({ disabled: z.boolean().describe('A disabled account can no longer log in or call the API') });
export type Me = z.infer<typeof Me>;

export const Registered = z.strictObject({
  userId: z.string(),
  customerId: z.string().describe('The new customer profile (GET /customers/{customerId})'),
  email: z.string(),
});

async function session(services: ApiServices, user: UserDoc): Promise<Session> {
  const access = services.tokens.issueAccess(toAuthUser(user));
  return { ...access, tokenType: 'Bearer', refreshToken: await services.tokens.issueRefresh(user._id), user: account(user) };
}

/** The account's id, role (a user's role: never `system`), linked profile and e-mail. */
function account(user: UserDoc): z.infer<typeof AccountView> {
  return { ...toAuthUser(user), role: user.role, email: user.email };
}

async function userByEmail(services: ApiServices, email: string): Promise<UserDoc | null> {
  return (await services.readModels.collection<UserDoc>(USERS)).findOne({ email });
}

/**
 * The id of an account (or of the profile it acts for) that a command creates for `email`: it
 * follows from the command id (the Idempotency-Key), so a retry after a crash anywhere in the
 * request names the same account and finishes its work. The e-mail is part of it, so a key
 * reused for another e-mail before its first use was answered names another account.
 */
export function accountIdFor(kind: 'user' | 'customer' | 'expert', email: string, commandId: string): string {
  return deterministicUuid(`${kind}\u0000${email}\u0000${commandId}`);
}

export const authRoutes: RouteTable<ApiServices> = [
  route({
    method: 'post',
    path: '/auth/login',
    operationId: 'logIn',
    summary: 'Log in with e-mail and password; returns a 15-minute access token and a refresh token',
    tag: 'Auth',
    roles: 'public',
    body: z.object({ email: Email, password: z.string().min(1).max(200) }),
    success: 200,
    response: Session,
    async handler({ body }, services: ApiServices) {
      const user = await userByEmail(services, body.email);
      // Verify against a dummy hash for unknown e-mails: same time, no account enumeration.
      const ok = await services.passwords.verify(body.password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) throw new HttpProblem(401, 'Invalid credentials', 'E-mail or password is wrong.');
      if (user.disabled) throw new HttpProblem(403, 'Account disabled', 'This account is disabled; contact helpdesk.');
      return { status: 200, body: await session(services, user) };
    },
  }),
  route({
    method: 'post',
    path: '/auth/refresh',
    operationId: 'refreshSession',
    summary: 'Trade a refresh token (single use) for a new access and refresh token',
    tag: 'Auth',
    roles: 'public',
    body: z.object({ refreshToken: z.string().min(20).max(200) }),
    success: 200,
    response: Session,
    async handler({ body }, services: ApiServices) {
      const userId = await services.tokens.redeemRefresh(body.refreshToken);
      const user = userId ? await accountOf(services, userId) : null;
      if (!user || user.disabled) throw new HttpProblem(401, 'Invalid refresh token', 'Log in again.');
      return { status: 200, body: await session(services, user) };
    },
  }),
  route({
    method: 'post',
    path: '/auth/logout',
    operationId: 'logOut',
    summary: 'Revoke every refresh token of the caller',
    tag: 'Auth',
    roles: ALL_ROLES,
    success: 204,
    async handler({ user }, services: ApiServices) {
      await services.tokens.revokeAll(user.userId);
      return { status: 204 };
    },
  }),
  route({
    method: 'get',
    path: '/auth/me',
    operationId: 'getMyAccount',
    summary: 'Who am I',
    tag: 'Auth',
    roles: ALL_ROLES,
    success: 200,
    response: Me,
    async handler({ user }, services: ApiServices) {
      const doc = await accountOf(services, user.userId);
      if (!doc) throw new HttpProblem(404, 'Not found', 'This account no longer exists.');
      const me: Me = { ...account(doc), disabled: doc.disabled };
      return { status: 200, body: me };
    },
  }),
  route({
    method: 'post',
    path: '/auth/register',
    operationId: 'registerCustomer',
    readsNext: ['users', 'customers'],
    summary: 'Sign up as a customer: creates the customer profile and its login',
    tag: 'Auth',
    roles: 'public',
    idempotent: true,
    body: z.object({ contact: ContactSchema, notifyBy: z.enum(['sms', 'email']), password: Password }),
    success: 201,
    response: Registered,
    async handler(request, services: ApiServices) {
      const { body } = request;
      const email = body.contact.email;
      const metadata = request.command();
      // First: a 503 from a burst of hashing leaves nothing half-registered.
      const passwordHash = await services.passwords.hash(body.password);
      const userId = accountIdFor('user', email, metadata.commandId);
      const customerId = accountIdFor('customer', email, metadata.commandId);
      await reserveEmail(services, email, userId, metadata.now);
      const actor = { userId, role: 'customer' as const };
      await send(services.commands, customers, {
        type: 'registerCustomer',
        data: { customerId, contact: body.contact, notifyBy: body.notifyBy },
        metadata: { ...metadata, commandId: `${metadata.commandId}:customer`, actor },
      });
      const registered = await send(services.commands, userAccounts, {
        type: 'registerUser',
        data: { userId, email, role: 'customer', customerId, passwordHash },
        metadata: { ...metadata, commandId: `${metadata.commandId}:user`, actor },
      });
      const answer: z.infer<typeof Registered> = { userId, customerId, email };
      return { status: 201, body: answer, position: registered.position, headers: { Location: `/customers/${customerId}` } };
    },
  }),
];
