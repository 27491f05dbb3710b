package io.kubepodenv.engine.config;

import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.Context;
import io.fabric8.kubernetes.api.model.NamedAuthInfo;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubepodenv.engine.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which kubeconfig files a stored credential may hold. A kubeconfig can name a command to run ({@code exec},
 * {@code auth-provider}) or files to read ({@code client-certificate}, {@code token-file}, ...); used as a credential
 * on a CI controller, that would let whoever may store a credential run commands or read files there. So only
 * self-contained kubeconfigs are accepted: inline certificates, keys and tokens.
 */
public final class KubeconfigPolicy {
    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    private KubeconfigPolicy() {
    }

    /**
     * Parses {@code text} and refuses what this class describes; the message names the user or cluster entry and the
     * field, never a value.
     */
    public static Config check(String text) {
        Config config = parse(text);
        List<String> problems = new ArrayList<>();
        for (NamedAuthInfo user : nullSafe(config.getUsers())) {
            AuthInfo a = user.getUser();
            if (a == null) {
                continue;
            }
            String at = "user '" + user.getName() + "'";
            if (a.getExec() != null) {
                problems.add(at + " runs a command (exec)");
            }
            if (a.getAuthProvider() != null) {
                problems.add(at + " uses an auth-provider plugin");
            }
            if (notEmpty(a.getTokenFile())) {
                problems.add(at + " reads a token file (tokenFile)");
            }
            if (notEmpty(a.getClientCertificate())) {
                problems.add(at + " reads a certificate file (client-certificate; use client-certificate-data)");
            }
            if (notEmpty(a.getClientKey())) {
                problems.add(at + " reads a key file (client-key; use client-key-data)");
            }
        }
        for (NamedCluster cluster : nullSafe(config.getClusters())) {
            Cluster c = cluster.getCluster();
            if (c != null && notEmpty(c.getCertificateAuthority())) {
                problems.add("cluster '" + cluster.getName() + "' reads a CA file (certificate-authority; use "
                    + "certificate-authority-data)");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException("kubeconfig credentials: only self-contained kubeconfig files are accepted, "
                + "but " + String.join("; ", problems) + ". Use a service account token instead (see the "
                + "documentation's RBAC section)");
        }
        return config;
    }

    /**
     * What a kubeconfig's chosen context (or its current context) says: the cluster's server, CA and TLS setting, and
     * the user's credentials.
     *
     * @param server the cluster's server URL
     * @param caCertificateData base64 of the CA's PEM, as in the file; empty when none
     * @param insecureSkipTlsVerify the cluster's {@code insecure-skip-tls-verify}
     * @param credentials the user's token, client certificate or user name and password
     */
    public record Selected(String server, String caCertificateData, boolean insecureSkipTlsVerify,
        ClusterCredentials credentials) {
    }

    /** Checks the kubeconfig (see {@link #check}) and reads its selected context. */
    public static Selected select(ClusterCredentials.Kubeconfig kubeconfig) {
        Config config = check(kubeconfig.text());
        String contextName = kubeconfig.context().isEmpty() ? config.getCurrentContext() : kubeconfig.context();
        if (contextName == null || contextName.isBlank()) {
            throw new InvalidInputException("kubeconfig credentials: no current-context; name the context to use");
        }
        NamedContext context = nullSafe(config.getContexts()).stream().filter(c -> contextName.equals(c.getName()))
            .findFirst().orElseThrow(() -> new InvalidInputException("kubeconfig credentials: no context '"
                + contextName + "'"));
        Context ctx = context.getContext();
        if (ctx == null || ctx.getCluster() == null) {
            throw new InvalidInputException("kubeconfig credentials: context '" + contextName + "' names no cluster");
        }
        Cluster cluster = nullSafe(config.getClusters()).stream().filter(c -> ctx.getCluster().equals(c.getName()))
            .map(NamedCluster::getCluster).filter(java.util.Objects::nonNull).findFirst()
            .orElseThrow(() -> new InvalidInputException("kubeconfig credentials: context '" + contextName
                + "' names cluster '" + ctx.getCluster() + "', which is not in the file"));
        AuthInfo user = nullSafe(config.getUsers()).stream().filter(u -> u.getName().equals(ctx.getUser()))
            .map(NamedAuthInfo::getUser).filter(java.util.Objects::nonNull).findFirst()
            .orElseThrow(() -> new InvalidInputException("kubeconfig credentials: context '" + contextName
                + "' names user '" + ctx.getUser() + "', which is not in the file"));
        ClusterCredentials credentials;
        if (notEmpty(user.getToken())) {
            credentials = new ClusterCredentials.Token(user.getToken());
        } else if (notEmpty(user.getClientCertificateData()) && notEmpty(user.getClientKeyData())) {
            credentials = new ClusterCredentials.ClientCertificate(decode(user.getClientCertificateData()),
                decode(user.getClientKeyData()), "");
        } else if (notEmpty(user.getUsername()) && notEmpty(user.getPassword())) {
            credentials = new ClusterCredentials.UsernamePassword(user.getUsername(), user.getPassword());
        } else {
            throw new InvalidInputException("kubeconfig credentials: user '" + ctx.getUser() + "' has no token, "
                + "client-certificate-data with client-key-data, or username with password");
        }
        return new Selected(Blanks.orEmpty(cluster.getServer()), Blanks.orEmpty(cluster.getCertificateAuthorityData()),
            Boolean.TRUE.equals(cluster.getInsecureSkipTlsVerify()), credentials);
    }

    private static String decode(String base64) {
        try {
            return new String(java.util.Base64.getMimeDecoder().decode(base64.strip()),
                java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("kubeconfig credentials: client-certificate-data or client-key-data is "
                + "not base64");
        }
    }

    /** The secret values in a kubeconfig (tokens, passwords, private keys), for masking; empty when unparseable. */
    static List<String> secretsOf(String text) {
        List<String> secrets = new ArrayList<>();
        try {
            for (NamedAuthInfo user : nullSafe(parse(text).getUsers())) {
                AuthInfo a = user.getUser();
                if (a != null) {
                    addIfPresent(secrets, a.getToken());
                    addIfPresent(secrets, a.getPassword());
                    addIfPresent(secrets, a.getClientKeyData());
                }
            }
        } catch (InvalidInputException e) {
            // nothing parseable, nothing to mask beyond the whole text, which is never printed
        }
        return secrets;
    }

    private static Config parse(String text) {
        Object parsed;
        try {
            parsed = YAML.unmarshal(text, Config.class);
        } catch (RuntimeException e) {
            // The parser's message may quote the text, so it is not passed on.
            throw new InvalidInputException("kubeconfig credentials: the file is not a valid kubeconfig (YAML with "
                + "clusters, users and contexts)");
        }
        if (!(parsed instanceof Config config) || config.getClusters() == null || config.getClusters().isEmpty()) {
            throw new InvalidInputException("kubeconfig credentials: the file has no clusters");
        }
        return config;
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isBlank();
    }

    private static void addIfPresent(List<String> out, String s) {
        if (notEmpty(s)) {
            out.add(s);
        }
    }
}
