/**
 * Staff accounts (helpdesk, manager, admin): the e-mail reserved for one account, then the
 * account registered through the user-account commands with a scrypt hash — never the password.
 * `POST /users`, `npm run admin -- create` and the first-start admin (BOOTSTRAP_ADMIN_EMAIL and
 * BOOTSTRAP_ADMIN_PASSWORD) all go through here, so the first admin of an empty system is made
 * exactly as an admin makes the next ones.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { CommandHandler, CommandResult } from '../../commands/handler';
import { userAccounts } from '../../commands/user-account';
import { CommandMetadata } from '../../domain/decider';
import { UserAccountState } from '../../domain/user-account/user-account';
import { StaffRole } from '../../domain/decider';
import { DocumentStore } from '../../document-store/port';
import { EventStore } from '../../event-store/port';
import { HttpProblem } from '../http/problem';
import { releaseEmail, reserveEmail } from './email-reservations';
import { hashPassword } from './passwords';

/**
 * The staff roles (the domain's STAFF) in the order the account API lists them: its enum in the
 * OpenAPI document and its validation messages follow this order, so it is kept.
 */
export const STAFF_ROLES = ['helpdesk', 'manager', 'admin'] as const satisfies readonly StaffRole[];

/** A login e-mail as stored and compared: trimmed, lower-case. */
export const LoginEmail = z.string().trim().toLowerCase().email().max(254);
/** The password rule of every account. */
export const LoginPassword = z.string().min(10, 'at least 10 characters').max(200);

/** The stores a staff account is written to: commands, and the e-mail reservations (and the events that say whether a reservation's account was registered). */
export interface AccountStores {
  commands: CommandHandler;
  documents: DocumentStore;
  events: EventStore;
}

export interface StaffAccount {
  userId: string;
  email: string;
  role: StaffRole;
  password: string;
}

/**
 * Reserves the e-mail (409 when another account holds it), then registers the account. A failed
 * registration gives the e-mail back.
 */
export async function registerStaffAccount(
  stores: AccountStores,
  account: StaffAccount,
  metadata: CommandMetadata,
  hash: (password: string) => Promise<string> = hashPassword,
): Promise<CommandResult<UserAccountState>> {
  const { userId, email, role } = account;
  await reserveEmail(stores, email, userId, metadata.now);
  try {
    return await send(stores.commands, userAccounts, {
      type: 'registerUser',
      data: { userId, email, role, passwordHash: await hash(account.password) },
      metadata,
    });
  } catch (error) {
    await releaseEmail(stores, email, userId);
    throw error;
  }
}

export type BootstrapOutcome =
  /** The account was registered now. */
  | { outcome: 'created'; userId: string }
  /** An earlier start registered it: nothing changed (not its password, not its state). */
  | { outcome: 'exists'; userId: string }
  /** Another account holds the e-mail: nothing was done. */
  | { outcome: 'taken' };

/**
 * The first admin, from BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD. Applied once: the
 * account's id and command id follow from the e-mail, so every later start (or a second API
 * replica starting at the same time) finds it made and changes nothing — a password changed
 * since, or the account disabled since, stays so.
 */
export async function ensureBootstrapAdmin(stores: AccountStores, admin: { email: string; password: string }, now: Date): Promise<BootstrapOutcome> {
  const email = LoginEmail.parse(admin.email);
  const userId = `admin-${createHash('sha256').update(email).digest('hex').slice(0, 24)}`;
  try {
    const result = await registerStaffAccount(
      stores,
      { userId, email, role: 'admin', password: admin.password },
      { commandId: `bootstrap-admin:${email}`, now, actor: { userId: 'bootstrap', role: 'system' } },
    );
    return { outcome: result.repeated ? 'exists' : 'created', userId };
  } catch (error) {
    // Another account holds the e-mail: refused before anything was written.
    if (error instanceof HttpProblem && error.status === 409) return { outcome: 'taken' };
    throw error;
  }
}
