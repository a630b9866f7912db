package ai.bitrouter.billing.security;

/**
 * The realm roles (deploy/keycloak). Operator endpoints use {@code @RolesAllowed(Roles.BILLING_ADMIN)}: a scope is
 * not enough for them, because every customer can be granted any customer scope. The role is not enough either:
 * {@link ScopeEnforcement} also requires the scope {@link Scopes#BILLING_ADMIN} for every such endpoint, so the
 * token an admin uses every day (default CLI scopes) has no operator power. API keys never carry a role.
 */
public final class Roles {
    public static final String CUSTOMER = "customer";
    public static final String BILLING_ADMIN = "billing-admin";

    private Roles() {
    }
}
