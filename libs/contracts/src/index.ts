/**
 * Generated gRPC and event contracts. One module per proto package, so equally named messages
 * (checkout and provider both have StartPaymentRequest) never collide:
 *   import { CheckoutServiceClient } from '@tolem/contracts/checkout';
 */
export { FILE_DESCRIPTOR_SET_BASE64 } from './gen/descriptor-set';
