import { HelmrClient } from "@helmr/sdk/client";
import { createContext, createElement, type ReactNode, useContext, useMemo } from "react";

/** Where the Helmr API is and what the browser holds to call it. */
export interface HelmrOptions {
  /** The API's base URL (without /api/v1). */
  baseUrl?: string;
  /** A public access token (`auth.createPublicToken`), scoped to what this screen may read and send. Never a secret key. */
  accessToken?: string;
}

const HelmrContext = createContext<HelmrOptions>({});

/** Gives the hooks below it a base URL and an access token, so each need not be told. */
export function HelmrProvider({ children, ...options }: HelmrOptions & { children?: ReactNode }) {
  const value = useMemo(() => ({ baseUrl: options.baseUrl, accessToken: options.accessToken }), [options.baseUrl, options.accessToken]);
  return createElement(HelmrContext.Provider, { value }, children);
}

/** A client for these options, or the nearest HelmrProvider's; the same one while they stay the same. */
export function useHelmrClient(options: HelmrOptions = {}): HelmrClient {
  const context = useContext(HelmrContext);
  const baseUrl = options.baseUrl ?? context.baseUrl;
  const accessToken = options.accessToken ?? context.accessToken;
  return useMemo(() => {
    if (!baseUrl) throw new Error("@helmr/react needs the API's baseUrl: pass { baseUrl } to the hook, or wrap the app in <HelmrProvider baseUrl=...>");
    return new HelmrClient({ baseUrl, accessToken });
  }, [baseUrl, accessToken]);
}
