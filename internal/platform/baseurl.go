package platform

import "strings"

// Altinn serves every platform API from one host, each below its own path
// (app-lib's PlatformSettings: …/storage/api/v1/, …/register/api/v1/,
// …/authorization/api/v1/, …/authentication/api/v1/,
// …/accessmanagement/api/v1/, …/correspondence/api/v1/,
// …/notifications/api/v1/; Altinn/app-lib-dotnet
// src/Altinn.App.Core/Configuration/PlatformSettings.cs), e.g.
// https://platform.tt02.altinn.no. WithPlatformURL and AuthenticationURL
// derive every base from that one URL.

// WithPlatformURL returns c with the base URL of every service derived from
// platformURL, the host (and optional path prefix) that serves them all:
// StorageURL {url}/storage/api/v1, AccessURL {url}/accessmanagement/api/v1,
// and the host itself for the clients that add their own path
// (correspondence, register, authorization). A trailing
// slash is ignored; the clients check the result (NewClients).
func (c Config) WithPlatformURL(platformURL string) Config {
	u := strings.TrimRight(strings.TrimSpace(platformURL), "/")
	c.StorageURL = u + "/storage/api/v1"
	c.AccessURL = u + "/accessmanagement/api/v1"
	c.CorrespondenceURL = u
	c.RegisterURL = u
	c.AuthorizationURL = u
	return c
}

// AuthenticationURL is the Altinn authentication API base below
// platformURL ({url}/authentication/api/v1), where a Maskinporten token is
// exchanged for an Altinn token (GET …/exchange/maskinporten; Altinn/app-lib-dotnet
// src/Altinn.App.Core/Features/Maskinporten/MaskinportenClient.cs).
func AuthenticationURL(platformURL string) string {
	return strings.TrimRight(strings.TrimSpace(platformURL), "/") + "/authentication/api/v1"
}
