// Package wire defines the JSON bodies of the platform APIs (storage, access
// management, correspondence, notifications and register) as they travel over
// HTTP. The clients in package platform and the emulator in
// platform/emulator both use these shapes, so they speak one contract; the
// golden tests pin the shapes the reference specifies.
//
// Structs that carry a national ID (PartyLookup, SigningRightsRequest) exist
// only to be marshalled into a request body: never log or print them.
package wire
