import { ArticleCommand, articleDecider, ArticleEvent, ArticleState } from '../domain/knowledge-base/article';
import { Aggregate } from './aggregate';

export const articles: Aggregate<ArticleState, ArticleCommand, ArticleEvent> = {
  category: 'article',
  decider: articleDecider,
  idOf: (command) => command.data.articleId,
};
