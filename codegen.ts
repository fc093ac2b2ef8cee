// graphql-codegen: resolver types from schema.graphql (run by `npm run generate`, never edited by hand).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: '../graphql/context.ts#Context',
        scalars: { DateTime: 'Date', JSON: 'unknown', ID: 'string' },
        mappers: {
          User: '../modules/users/user-row.ts#UserRow',
          Profile: '../modules/profiles/profile-view.ts#ProfileView',
          UserConnection: '../modules/users/users-service.ts#UserPage',
          ApiKey: '../generated/prisma/client.ts#ApiKey as ApiKeyRow',
          Model: '../generated/prisma/client.ts#SegmentationModel',
          Segment: '../generated/prisma/client.ts#Segment as SegmentRow',
          TrainingJob: '../generated/prisma/client.ts#Job',
          Event: '../modules/events/user-events.ts#EventRow',
          EventConnection: '../modules/events/user-events.ts#EventPage',
          SegmentPrediction: '../modules/segmentation/predict.ts#Prediction',
          SegmentMembership: '../modules/segmentation/segment-history.ts#SegmentStay',
          SegmentExplanation: '../modules/segmentation/explain-placement.ts#SegmentExplanation as SegmentExplanationRow',
          Rfm: '../rules/rfm.ts#RfmScore',
          Topic: '../text/topics.ts#Topic as TopicModelTopic',
          TopicShare: '../text/topics.ts#TopicShare as TopicModelShare',
          TopicModel: '../modules/text/text-models.ts#TextModelView',
          TextModelReport: '../modules/text/text-models.ts#TextModelReport as TextModelReportView',
          ScheduledRun: '../generated/prisma/client.ts#Job as JobRow',
          SystemHealth: '../modules/monitoring/system-health.ts#SystemHealth as SystemHealthRow',
          HealthIssue: '../rules/health.ts#HealthIssue as HealthIssueRow',
          DailyReport: '../modules/monitoring/daily-report.ts#DailyReport as DailyReportRow',
          Audience: '../generated/prisma/client.ts#Audience as AudienceRow',
          MembershipChange: '../modules/notifications/change-hub.ts#MembershipChange as MembershipChangeRow',
          Webhook: '../modules/webhooks/webhooks-service.ts#WebhookRow',
        },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        maybeValue: 'T | null',
        inputMaybeValue: 'T | null | undefined',
        strictScalars: true,
      },
    },
  },
};
export default config;
