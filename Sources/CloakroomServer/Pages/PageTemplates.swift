import Mustache

/// The pages' Mustache templates. They live in the binary so an installed `cloakroomd` needs no
/// resource folder; every value is HTML-escaped by `{{name}}`.
enum PageTemplates {
    static let all: [String: String] = [
        "head": head, "foot": foot, "home": home, "signin": signIn, "account": account,
        "admin-signin": adminSignIn, "dashboard": dashboard, "message": message,
    ]

    /// The library with every template, parsed once.
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        {{#refreshSeconds}}<meta http-equiv="refresh" content="{{refreshSeconds}}">{{/refreshSeconds}}
        <title>{{title}} · Cloakroom</title>
        <link rel="stylesheet" href="/assets/cloakroom.css">
        </head>
        <body>
        <header class="bar"><div class="inner">
        <a class="brand" href="/">Cloakroom<span>sessions</span></a>
        <nav>{{#demo}}<a href="/account">Your sessions</a>{{/demo}}<a href="/admin">Admin</a><a href="/health">Health</a><a href="/metrics">Metrics</a></nav>
        </div></header>
        <main>
        {{#error}}<div class="notice error" id="error">{{error}}</div>{{/error}}
        {{#info}}<div class="notice info" id="info">{{info}}</div>{{/info}}
        """

    static let foot = """
        </main>
        <footer>Cloakroom · server-side sessions · this page uses no scripts</footer>
        </body>
        </html>
        """

    static let home = """
        {{> head}}
        <h1>Cloakroom</h1>
        <p class="lead">Server-side sessions for Swift and any other language: create, resume, rotate and end them over HTTP.</p>
        {{#demo}}
        <div class="card"><h2>Try it</h2>
        <p>Sign in to a demo account from two browsers, then end one from the other on “Your sessions”.</p>
        <div class="actions"><a href="/signin"><button type="button">Demo sign-in</button></a></div></div>
        {{/demo}}
        <div class="card"><h2>Operate it</h2>
        <p>The admin dashboard shows live sessions, rates and store health, and ends a user’s sessions. Sign in with an API key that has the <code>admin</code> scope.</p>
        <div class="actions"><a href="/admin"><button type="button" class="quiet">Admin dashboard</button></a></div></div>
        <div class="card links"><h2>For machines</h2>
        <p><a href="/health">/health</a> · <a href="/metrics">/metrics</a> · <a href="/.well-known/jwks.json">/.well-known/jwks.json</a> · the HTTP API under <code>/v1</code>.</p></div>
        {{> foot}}
        """

    static let signIn = """
        {{> head}}
        <h1>Sign in</h1>
        <p class="lead">A demo account: any name you like. Sessions you make here are real sessions in this server’s store, for the user <code>demo:NAME</code>.</p>
        <div class="card narrow">
        <form method="post" action="/signin" id="signin">{{{csrfField}}}
        <label for="user">Name</label>
        <input type="text" id="user" name="user" autocomplete="username" required maxlength="64" value="{{user}}">
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required>
        {{#passwordHint}}<p class="sub">The demo password is <code>{{passwordHint}}</code>.</p>{{/passwordHint}}
        <div class="actions"><button type="submit">Sign in</button></div>
        </form></div>
        {{> foot}}
        """

    static let account = """
        {{> head}}
        <h1>Your sessions</h1>
        <p class="lead">Signed in as <strong id="user">{{user}}</strong>. These are the devices signed in to your account; end any you do not recognise.</p>
        <div class="card">
        <table id="sessions">
        <thead><tr><th>Device</th><th>Last seen from</th><th>Last seen</th><th>Signed in</th><th></th></tr></thead>
        <tbody>
        {{#sessions}}
        <tr class="session{{#current}} current{{/current}}" data-handle="{{handle}}">
        <td><span class="device">{{device}}</span>{{#current}}<span class="badge" id="current">This device</span>{{/current}}</td>
        <td>{{ip}}</td>
        <td>{{lastSeen}}<div class="sub">{{lastSeenAt}}</div></td>
        <td class="sub">{{createdAt}}</td>
        <td>{{^current}}<form class="inline" method="post" action="/account/end">{{{csrfField}}}<input type="hidden" name="handle" value="{{handle}}"><button type="submit" class="quiet">End</button></form>{{/current}}</td>
        </tr>
        {{/sessions}}
        </tbody></table>
        <div class="actions">
        {{#hasOthers}}<form class="inline" method="post" action="/account/end-others" id="end-others">{{{csrfField}}}<button type="submit" class="danger">End all other sessions</button></form>{{/hasOthers}}
        <form class="inline" method="post" action="/signout" id="signout">{{{csrfField}}}<button type="submit" class="quiet">Sign out</button></form>
        </div></div>
        {{> foot}}
        """

    static let adminSignIn = """
        {{> head}}
        <h1>Admin sign-in</h1>
        <p class="lead">Use an API key with the <code>admin</code> scope. The first start of cloakroomd printed one; <code>cloakroom</code> can make more.</p>
        <div class="card narrow">
        <form method="post" action="/admin/signin" id="admin-signin">{{{csrfField}}}
        <label for="key">API key</label>
        <input type="password" id="key" name="key" autocomplete="off" required>
        <div class="actions"><button type="submit">Sign in</button></div>
        </form></div>
        {{> foot}}
        """

    static let dashboard = """
        {{> head}}
        <h1>Dashboard</h1>
        <p class="lead">Signed in as <strong>{{admin}}</strong> · refreshes every {{refreshSeconds}} s · numbers from <a href="/metrics">/metrics</a></p>
        <div class="tiles" id="tiles">
        <div class="tile"><div class="label">Live sessions</div><div class="value" id="live">{{live}}</div></div>
        <div class="tile"><div class="label">Creates / min</div><div class="value" id="create-rate">{{createRate}}</div></div>
        <div class="tile"><div class="label">Resumes / min</div><div class="value" id="resume-rate">{{resumeRate}}</div></div>
        <div class="tile"><div class="label">Store</div><div class="value small" id="store-status"><span class="badge {{statusClass}}">{{status}}</span></div></div>
        </div>
        <div class="card"><h2>Last hour</h2>
        <div class="charts" id="charts">
        {{#charts}}<figure class="chart-box"><figcaption><span class="label">{{label}}</span> <span class="latest" id="{{id}}-latest">{{latest}}</span></figcaption>{{{svg}}}</figure>{{/charts}}
        </div><p class="sub">One point per minute, all session operations; p99 from the latency histogram on <a href="/metrics">/metrics</a>.</p></div>
        <div class="card"><h2>Stores</h2>
        <table id="stores"><thead><tr><th>Store</th><th>Role</th><th>Status</th><th>Detail</th></tr></thead><tbody>
        {{#stores}}<tr><td>{{name}}</td><td>{{role}}</td><td><span class="badge {{statusClass}}">{{status}}</span></td><td class="sub">{{detail}}</td></tr>{{/stores}}
        </tbody></table></div>
        <div class="card"><h2>Operations since start</h2>
        <table id="operations"><thead><tr><th>Operation</th><th>OK</th><th>Rejected</th><th>Errors</th><th>Average latency</th></tr></thead><tbody>
        {{#operations}}<tr><td>{{name}}</td><td>{{ok}}</td><td>{{rejected}}</td><td>{{errors}}</td><td>{{latency}}</td></tr>{{/operations}}
        </tbody></table>
        <p class="sub">Rate-limit refusals: {{rateLimited}} · CSRF refusals: {{csrfRefused}}</p></div>
        <div class="card"><h2>Look up a user</h2>
        <form method="get" action="/admin" id="lookup"><label for="lookup-user">User ID</label>
        <input type="search" id="lookup-user" name="user" value="{{lookupUser}}" maxlength="256">
        <div class="actions"><button type="submit" class="quiet">Look up</button></div></form>
        {{#lookupUser}}
        <table id="user-sessions"><thead><tr><th>Session</th><th>Device</th><th>Last seen from</th><th>Last seen</th></tr></thead><tbody>
        {{#userSessions}}<tr><td><code>{{handle}}</code></td><td>{{device}}</td><td>{{ip}}</td><td>{{lastSeen}}</td></tr>{{/userSessions}}
        {{^userSessions}}<tr><td colspan="4" class="sub">No live sessions.</td></tr>{{/userSessions}}
        </tbody></table>
        {{#hasUserSessions}}<form method="post" action="/admin/users/end" id="end-user"><input type="hidden" name="user" value="{{lookupUser}}">{{{csrfField}}}<div class="actions"><button type="submit" class="danger">End all of this user’s sessions</button></div></form>{{/hasUserSessions}}
        {{/lookupUser}}
        </div>
        <form method="post" action="/signout" id="signout">{{{csrfField}}}<button type="submit" class="quiet">Sign out</button></form>
        {{> foot}}
        """

    static let message = """
        {{> head}}
        <h1>{{title}}</h1>
        <div class="card"><p>{{text}}</p>{{#link}}<div class="actions"><a href="{{link}}"><button type="button" class="quiet">{{linkLabel}}</button></a></div>{{/link}}</div>
        {{> foot}}
        """
}
