/**
 * Who is calling: an access token is only as good as the account behind it. The JWT proves who
 * signed in; the users read model says whether the account may still act and in which role — a
 * disabled account loses access at once, a changed role applies at once, not when the 15-minute
 * token runs out.
 */
import { UserDoc, USERS } from '../../projections/users/projection';
import { ReadModels } from '../../read-models/read-models';
import { Authentication, AuthUser } from '../http/route';
import { TokenService } from './tokens';

export async function accountOf(services: { readModels: ReadModels }, userId: string): Promise<UserDoc | null> {
  return (await services.readModels.collection<UserDoc>(USERS)).findOne({ _id: userId });
}

export async function authenticateBearer(services: { readModels: ReadModels; tokens: TokenService }, token: string | undefined): Promise<Authentication> {
  if (!token) return { user: null, why: 'missing' };
  const user = services.tokens.verifyAccess(token);
  if (!user) return { user: null, why: 'invalid' };
  const account = await accountOf(services, user.userId);
  // A token for an account that does not exist is no better than a forged one.
  if (!account) return { user: null, why: 'invalid' };
  if (account.disabled) return { user: null, why: 'disabled' };
  // The account's current role and links count, not the ones the token was issued with.
  return { user: toAuthUser(account) };
}

export function toAuthUser(user: UserDoc): AuthUser {
  return { userId: user._id, role: user.role, ...(user.customerId ? { customerId: user.customerId } : {}), ...(user.expertId ? { expertId: user.expertId } : {}) };
}
