/**
 * Tolem's workspace lint rules.
 * - no-float-money: parseFloat, Number(…), toFixed and parseInt are how floats sneak into money code;
 *   money is bigint minor units, and decimal strings go through @tolem/money.
 * - grpc-via-kit: gRPC servers are created only through @tolem/grpc-kit, which maps errors,
 *   registers health/reflection and drains on shutdown.
 */
const noFloatMoney = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid float conversions in money-handling code' },
    messages: {
      banned: '{{name}} turns money into a float; use bigint minor units and @tolem/money helpers.',
    },
    schema: [],
  },
  create(context) {
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type === 'Identifier' && ['parseFloat', 'Number', 'parseInt'].includes(callee.name)) {
          context.report({ node, messageId: 'banned', data: { name: `${callee.name}()` } });
        }
        if (callee.type === 'MemberExpression' && !callee.computed && callee.property.name === 'toFixed') {
          context.report({ node, messageId: 'banned', data: { name: '.toFixed()' } });
        }
        if (
          callee.type === 'MemberExpression' &&
          callee.object.type === 'Identifier' &&
          callee.object.name === 'Number' &&
          !callee.computed &&
          callee.property.name === 'parseFloat'
        ) {
          context.report({ node, messageId: 'banned', data: { name: 'Number.parseFloat()' } });
        }
      },
    };
  },
};

const grpcViaKit = {
  meta: {
    type: 'problem',
    docs: { description: 'create gRPC servers only through @tolem/grpc-kit' },
    messages: { banned: 'Create gRPC servers with createGrpcServer from @tolem/grpc-kit.' },
    schema: [],
  },
  create(context) {
    const serverNames = new Set();
    return {
      ImportDeclaration(node) {
        if (node.source.value !== '@grpc/grpc-js') return;
        for (const spec of node.specifiers) {
          if (spec.type === 'ImportSpecifier' && spec.imported.name === 'Server') serverNames.add(spec.local.name);
        }
      },
      NewExpression(node) {
        const c = node.callee;
        if (c.type === 'Identifier' && serverNames.has(c.name)) context.report({ node, messageId: 'banned' });
        if (c.type === 'MemberExpression' && !c.computed && c.property.name === 'Server' && c.object.type === 'Identifier' && c.object.name === 'grpc') {
          context.report({ node, messageId: 'banned' });
        }
      },
    };
  },
};

export default { rules: { 'no-float-money': noFloatMoney, 'grpc-via-kit': grpcViaKit } };
