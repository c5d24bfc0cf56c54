/** A colour per ticket or visit status, the same on every screen. */
export function statusColor(status: string): string {
  switch (status) {
    case 'open':
    case 'proposed':
      return 'blue';
    case 'matched':
    case 'finalized':
    case 'scheduled':
      return 'teal';
    case 'en-route':
    case 'arrived':
    case 'started':
      return 'violet';
    case 'completed':
      return 'green';
    case 'escalated':
    case 'flagged':
    case 'held':
      return 'orange';
    case 'cancelled':
      return 'gray';
    default:
      return 'dark';
  }
}
