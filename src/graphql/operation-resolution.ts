// Which operation of a document runs, settled before anything else looks at the operation.
// - KnownOperationTypesRule (a validation rule; graphql-js 17 has it, 16 does not): an operation type the schema has
//   no root for (today `subscription`) is a validation error (400), not an execution failure (500).
// - operationResolutionPlugin: a document with several operations and no operationName, or an operationName that
//   names none of them, is refused with 400 OPERATION_RESOLUTION_FAILURE naming the operations it does have. Apollo
//   would otherwise run the other plugins' didResolveOperation with no operation (GraphiQL sends a stale name after
//   the user renames the operation, so this is common). A subscription over HTTP is refused with 400 BAD_REQUEST: it is
//   served over WebSocket only.
import { GraphQLError, Kind, OperationTypeNode, type ASTVisitor, type DocumentNode, type OperationDefinitionNode, type ValidationContext } from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

export function KnownOperationTypesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  return {
    OperationDefinition(node) {
      if (schema.getRootType(node.operation)) return;
      const supported = [OperationTypeNode.QUERY, OperationTypeNode.MUTATION, OperationTypeNode.SUBSCRIPTION].filter((t) => schema.getRootType(t));
      context.reportError(
        new GraphQLError(`This service does not support ${node.operation} operations; it supports ${supported.join(' and ')}.`, { nodes: [node] }),
      );
    },
  };
}

function operationNames(document: DocumentNode): string[] {
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => d.name?.value ?? '(anonymous)');
}

/** Why no operation of the document was chosen, for the client. */
function operationResolutionMessage(document: DocumentNode, requested: string | null | undefined): string {
  const names = operationNames(document);
  const list = names.map((n) => (n === '(anonymous)' ? n : `"${n}"`)).join(', ');
  if (requested) return `operationName "${requested}" matches no operation in the document; it has ${names.length === 0 ? 'none' : list}.`;
  return `The document has ${names.length} operations (${list}): set operationName to the one to run.`;
}

export function operationResolutionPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation?.operation === OperationTypeNode.SUBSCRIPTION) {
            // Apollo would answer it with one result over HTTP; subscriptions live on the WebSocket (src/http/subscriptions.ts)
            throw new GraphQLError('Subscriptions are served over WebSocket at /graphql (the graphql-transport-ws protocol), not over HTTP', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          if (operation) return;
          throw new GraphQLError(operationResolutionMessage(document, request.operationName), {
            extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
          });
        },
      };
    },
  };
}
