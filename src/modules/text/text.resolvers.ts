import type { Resolvers } from '../../generated/graphql.ts';
import { fromPrisma } from '../../db/sql.ts';
import { topicById } from './review-text.ts';
import { latestTextModelVersion, textModelView } from './text-models.ts';

// Topics as the API shows them: a share names its topic by id, the text model in hand gives its label and terms.
export const textResolvers: Resolvers = {
  Query: {
    topicModel: async (_, __, { services }) => {
      const sql = fromPrisma(services.db);
      return (await textModelView(sql, await latestTextModelVersion(sql)))!;
    },
  },
  Model: {
    textModel: (m, _, { loaders }) => (m.textModelVersion === null ? null : loaders.textModelReport.load(m.textModelVersion)),
  },
  TopicModel: {
    sentiment: (v) => v,
  },
  TextModelReport: {
    blended: (v) => v.sentimentBlended,
  },
  TopicShare: {
    topic: async (s, _, { services }) => topicById(s.topicId, await services.textModels.get()),
  },
  Topic: {
    label: (t, { locale }) => (locale === 'ZH' ? t.label.zh : t.label.en),
    terms: (t) => t.terms.map((x) => x.term),
  },
};
