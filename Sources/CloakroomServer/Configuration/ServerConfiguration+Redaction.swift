extension ServerConfiguration: CustomReflectable {
    /// Every setting, with the demo password hidden: `dump()` of a configuration may end up in a
    /// log. Store locations and encryption keys redact themselves.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "store": store, "durableStore": durableStore as Any,
                "fallbackStores": fallbackStores, "allowVolatileFallback": allowVolatileFallback,
                "dataDirectory": dataDirectory, "policy": policy, "encryptionKeys": encryptionKeys,
                "apiKeysFile": apiKeysFile as Any, "jwtKeysFile": jwtKeysFile as Any,
                "jwtAlgorithm": jwtAlgorithm, "tokenOptions": tokenOptions, "limits": limits,
                "demoSignIn": demoSignIn, "demoPassword": "***", "insecureCookies": insecureCookies,
                "eventsFile": eventsFile as Any, "auditRetention": auditRetention,
                "heapTrimInterval": heapTrimInterval, "logLevel": logLevel,
                "otelEndpoint": otelEndpoint as Any,
            ],
            displayStyle: .struct
        )
    }
}
