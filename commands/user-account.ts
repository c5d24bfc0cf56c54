import { UserAccountCommand, userAccountDecider, UserAccountEvent, UserAccountState } from '../domain/user-account/user-account';
import { Aggregate } from './aggregate';

export const userAccounts: Aggregate<UserAccountState, UserAccountCommand, UserAccountEvent> = {
  category: 'user',
  decider: userAccountDecider,
  idOf: (command) => command.data.userId,
};
