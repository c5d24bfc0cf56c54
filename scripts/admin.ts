/**
 * `npm run admin -- create --email ops@example.com [--role admin|manager|helpdesk]`
 * Creates a staff account in the configured stores, through the same commands as `POST /users`
 * (the e-mail reserved, the password hashed): the way to the first admin of a system started with
 * SEED_DEMO=false. The password is never an argument (it would show in `ps` and the shell's
 * history): it is asked for on a terminal, read from the first line of stdin otherwise, or taken
 * from ADMIN_PASSWORD.
 * Stop the server first when it runs on the embedded stores (they are locked to one process); it
 * shows the account once it runs again.
 * Exit codes: 0 created, 1 the e-mail belongs to an account already, 2 bad arguments or password.
 */
import { z } from 'zod';
import { createContainer } from '../app/container';
import { lockDataDir } from '../app/data-lock';
import { TOKENS } from '../app/tokens';
import { LoginEmail, LoginPassword, registerStaffAccount, STAFF_ROLES } from '../api/auth/staff-accounts';
import { HttpProblem } from '../api/http/problem';
import { accountIdFor } from '../api/routes/auth';
import { CommandHandler } from '../commands/handler';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger } from '../config/logger';
import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';

const USAGE = 'usage: npm run admin -- create --email <e-mail> [--role admin|manager|helpdesk]  (password: asked for, the first line of stdin, or ADMIN_PASSWORD)';

class UsageError extends Error {}

const CreateOptions = z.object({ email: LoginEmail, role: z.enum(STAFF_ROLES).default('admin'), name: z.string().optional() });

/** `create --email x --role y` (or `--email=x`) → the options; anything else is a usage error. */
export function parseAdminArguments(argv: readonly string[]): z.infer<typeof CreateOptions> {
  const [command, ...rest] = argv;
  if (command !== 'create') throw new UsageError(command ? `unknown command ${command}` : 'no command');
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(rest[i]!);
    if (!match) throw new UsageError(`unexpected argument ${rest[i]}`);
    const name = match[1]!;
    if (name === 'password') throw new UsageError('a password is never given on the command line (ps and the shell history show it): answer the prompt, pipe it on stdin, or set ADMIN_PASSWORD');
    if (!['email', 'role', 'name'].includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = match[2] ?? rest[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options[name] = value;
  }
  const parsed = CreateOptions.safeParse(options);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '));
  return parsed.data;
}

/** Asks on the terminal without echoing what is typed. */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    let typed = '';
    process.stderr.write(question);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(typed);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new UsageError('cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    input.on('data', onData);
  });
}

async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env.ADMIN_PASSWORD;
  const password = fromEnv
    ? fromEnv
    : process.stdin.isTTY
      ? await askHidden('Password (at least 10 characters): ')
      : await firstLineOfStdin();
  const checked = LoginPassword.safeParse(password);
  if (!checked.success) throw new UsageError(`password: ${checked.error.issues[0]?.message ?? 'not valid'}`);
  if (!fromEnv && process.stdin.isTTY && (await askHidden('Again: ')) !== password) throw new UsageError('the two passwords differ');
  return password;
}

async function main(): Promise<number> {
  let options;
  let password;
  try {
    options = parseAdminArguments(process.argv.slice(2));
    password = await readPassword();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  if (options.name !== undefined) console.error('note: accounts have an e-mail and a role, no name; --name is not recorded');
  if (!config.MONGO_URL) lockDataDir(config.DATA_DIR, 'npm run admin');
  const container = createContainer(config, createLogger(config));
  const stores = { commands: container.get<CommandHandler>(TOKENS.CommandHandler), documents: container.get<DocumentStore>(TOKENS.DocumentStore), events: container.get<EventStore>(TOKENS.EventStore) };
  try {
    // One command per e-mail, and the account's id from it: a run killed half-way (the e-mail
    // reserved, the account not yet registered) is finished by the next run for that e-mail.
    const commandId = `admin-cli:${options.email}`;
    const userId = accountIdFor('user', options.email, commandId);
    const result = await registerStaffAccount(stores, { userId, email: options.email, role: options.role, password }, { commandId, now: new Date(), actor: { userId: 'admin-cli', role: 'system' } });
    if (result.repeated) {
      console.error(`${options.email} already has an account; nothing was changed.`);
      return 1;
    }
    console.log(`Created the ${options.role} account ${options.email} (user ${userId}).`);
    console.log(`Log in with POST ${config.PUBLIC_URL}/auth/login once the server runs (npm start).`);
    return 0;
  } catch (error) {
    if (error instanceof HttpProblem && error.status === 409) {
      console.error(`${options.email} already has an account; nothing was changed.`);
      return 1;
    }
    throw error;
  } finally {
    await container.get<EventStore>(TOKENS.EventStore).close();
    await stores.documents.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
