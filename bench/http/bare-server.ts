/**
 * The reference of the HTTP ratios: a bare Express app with the API's JSON body parsing, answering
 * the bench's POST and GET with a small JSON body. Run as a child process (PORT, HOST).
 */
import express from 'express';

const app = express();
app.use(express.json({ limit: '100kb' }));
app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/tickets', (req, res) => {
  const visits = Array.isArray(req.body?.visits) ? req.body.visits.length : 0;
  res.status(201).json({ ticketId: 'bare', status: 'open', paymentStatus: 'paid', visitIds: Array.from({ length: visits }, (_, i) => `bare.${i + 1}`) });
});
app.get('/tickets/:ticketId', (req, res) => {
  res.json({ ticketId: req.params.ticketId, status: 'open', priority: 'normal', visits: [] });
});
app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
