import { CustomerCommand, customerDecider, CustomerEvent, CustomerState } from '../domain/customer/customer';
import { Aggregate } from './aggregate';

export const customers: Aggregate<CustomerState, CustomerCommand, CustomerEvent> = {
  category: 'customer',
  decider: customerDecider,
  idOf: (command) => command.data.customerId,
};
