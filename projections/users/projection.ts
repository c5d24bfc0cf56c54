import { Document } from '../../document-store/port';
import { UserAccountEvent, UserRole } from '../../domain/user-account/user-account';
import { Projection } from '../projection';

/** Login accounts: what authentication needs (e-mail → hash, role, link, disabled). */
export interface UserDoc extends Document {
  email: string;
  role: UserRole;
  customerId: string | null;
  expertId: string | null;
  passwordHash: string;
  disabled: boolean;
  registeredAt: string;
}

export const USERS = 'users';

export const usersProjection: Projection = {
  name: 'users',
  version: 1,
  eventTypes: ['UserRegistered', 'UserPasswordChanged', 'UserDisabled', 'UserEnabled', 'UserRoleChanged'],
  collections: {
    [USERS]: [
      { keys: { email: 1 }, name: 'by_email' },
      { keys: { role: 1 }, name: 'by_role' },
      // A customer's login (the survey form finds it by customer).
      { keys: { customerId: 1 }, name: 'by_customer' },
    ],
  },
  async handle(event, { collection }) {
    const users = collection<UserDoc>(USERS);
    const e = event as unknown as UserAccountEvent;
    switch (e.type) {
      case 'UserRegistered':
        await users.replaceOne(
          { _id: e.data.userId },
          {
            _id: e.data.userId,
            email: e.data.email,
            role: e.data.role,
            customerId: e.data.customerId,
            expertId: e.data.expertId,
            passwordHash: e.data.passwordHash,
            disabled: false,
            registeredAt: e.data.registeredAt,
          },
          { upsert: true },
        );
        return;
      case 'UserPasswordChanged':
        await users.updateOne({ _id: e.data.userId }, { $set: { passwordHash: e.data.passwordHash } });
        return;
      case 'UserDisabled':
        await users.updateOne({ _id: e.data.userId }, { $set: { disabled: true } });
        return;
      case 'UserEnabled':
        await users.updateOne({ _id: e.data.userId }, { $set: { disabled: false } });
        return;
      case 'UserRoleChanged':
        await users.updateOne({ _id: e.data.userId }, { $set: { role: e.data.role, customerId: e.data.customerId, expertId: e.data.expertId } });
        return;
    }
  },
};
