/** The local stand-in of Stripe's HTTP API; it lives in src/testing so bench/money can start it too (what it covers: its file's header). */
export { type StripeStandIn, startStripeStandIn } from '../../src/testing/stripe-stand-in.js'
