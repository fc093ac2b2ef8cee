import type { Resolvers } from '../../generated/graphql.ts';
import { topicById } from './review-text.ts';

// Topics as the API shows them: a share names its topic by id, the topic model gives its label and terms.
export const textResolvers: Resolvers = {
  TopicShare: {
    topic: (s) => topicById(s.topicId),
  },
  Topic: {
    label: (t, { locale }) => (locale === 'ZH' ? t.label.zh : t.label.en),
    terms: (t) => t.terms.map((x) => x.term),
  },
};
