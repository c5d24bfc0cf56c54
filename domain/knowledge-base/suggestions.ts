/**
 * Knowledge-base articles to suggest for a ticket, best first. Pure: the caller gathers the
 * candidate articles (by the ticket's model and category, and a full-text search of its problem)
 * and this decides which help and in what order.
 *
 * Score in [0, 1], the weighted sum of:
 *  - model: 1 when the article is about the ticket's appliance model;
 *  - category: 1 when the article is about the ticket's category of appliance;
 *  - words: the share of the ticket's problem words (case, accents, common endings and filler
 *    words aside: "leaking" is "leaks") found in the article's title, problem or tags;
 *  - rating: (helpful + 1) / (votes + 2), so an unrated article counts 0.5 and a tie goes to the
 *    one readers found helpful.
 * An article is suggested when it is published and about the ticket's model or category, or
 * shares at least MIN_SHARED_WORDS of its problem words (all of them, for a shorter problem).
 */
import { tokenize } from '../catalog/appliance-model';

export interface TicketSubject {
  applianceModelId: string | null;
  category: string | null;
  problem: string;
}

export interface ArticleCandidate {
  articleId: string;
  title: string;
  problem: string;
  tags: readonly string[];
  applianceModelId: string | null;
  category: string | null;
  retired: boolean;
  helpful: number;
  notHelpful: number;
}

export type SuggestionBasis = 'model' | 'category' | 'words';

export interface SuggestedArticle {
  articleId: string;
  score: number;
  /** What the article has in common with the ticket. */
  matchedOn: SuggestionBasis[];
  /** The ticket's problem words the article shares (as compared: lower case, endings cut). */
  sharedWords: string[];
}

export const MODEL_WEIGHT = 0.45;
export const CATEGORY_WEIGHT = 0.2;
export const WORDS_WEIGHT = 0.3;
export const RATING_WEIGHT = 0.05;
export const MIN_SHARED_WORDS = 2;

/** Words too common in problem descriptions to tell two apart. */
const FILLER = new Set(
  'a after again also an and are as at be been before but by can cannot could did do does doesn don during for from had has have how i in into is isn it its just me my no not of on or our so some still than that the their them then there these this to too very was wasn we were what when where which while why will with won would you your'.split(
    ' ',
  ),
);

/** A word as compared: lower case, accents dropped (tokenize), common endings cut. */
function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ied')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** The distinct words of a text that tell problems apart, as compared. */
export function problemWords(text: string): string[] {
  return [...new Set(tokenize(text).filter((w) => w.length > 1 && !FILLER.has(w)).map(stem))];
}

/** The articles that may help with the ticket, best first (then most helpful votes, then id), at most `limit`. */
export function suggestArticles(ticket: TicketSubject, candidates: readonly ArticleCandidate[], limit = 5): SuggestedArticle[] {
  const wanted = problemWords(ticket.problem);
  const needed = Math.min(MIN_SHARED_WORDS, wanted.length);
  const seen = new Set<string>();
  const scored: (SuggestedArticle & { helpful: number })[] = [];
  for (const article of candidates) {
    if (article.retired || seen.has(article.articleId)) continue;
    seen.add(article.articleId);
    const model = ticket.applianceModelId !== null && article.applianceModelId === ticket.applianceModelId;
    const category = ticket.category !== null && article.category === ticket.category;
    const words = new Set(problemWords([article.title, article.problem, ...article.tags].join(' ')));
    const sharedWords = wanted.filter((w) => words.has(w));
    if (!model && !category && (needed === 0 || sharedWords.length < needed)) continue;
    const matchedOn: SuggestionBasis[] = [...(model ? (['model'] as const) : []), ...(category ? (['category'] as const) : []), ...(sharedWords.length > 0 ? (['words'] as const) : [])];
    const rating = (article.helpful + 1) / (article.helpful + article.notHelpful + 2);
    const score =
      MODEL_WEIGHT * (model ? 1 : 0) + CATEGORY_WEIGHT * (category ? 1 : 0) + WORDS_WEIGHT * (wanted.length === 0 ? 0 : sharedWords.length / wanted.length) + RATING_WEIGHT * rating;
    scored.push({ articleId: article.articleId, score: Math.round(score * 1000) / 1000, matchedOn, sharedWords, helpful: article.helpful });
  }
  return scored
    .sort((a, b) => b.score - a.score || b.helpful - a.helpful || (a.articleId < b.articleId ? -1 : a.articleId > b.articleId ? 1 : 0))
    .slice(0, Math.max(0, limit))
    .map(({ helpful: _h, ...suggestion }) => suggestion);
}
