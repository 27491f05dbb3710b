package io.jenkins.plugins.kubepodenv;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCertificateCredentials;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.Extension;
import hudson.model.AbstractDescribableImpl;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.model.ItemGroup;
import hudson.model.Job;
import hudson.model.Queue;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.config.AccessCheck;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.config.ClusterTarget;
import io.kubepodenv.engine.config.LevelCheck;
import io.kubepodenv.engine.config.SettingsLayer;
import java.util.List;
import org.springframework.security.core.Authentication;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.kubernetes.credentials.TokenProducer;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/**
 * One level of administrator configuration (global, a folder, a job): the cluster, its credentials, the template and
 * the defaults. Empty fields inherit from the level above. The same form serves the three levels, so validation,
 * "Test connection" and "Preview" live here once.
 */
public class KubePodEnvSettings extends AbstractDescribableImpl<KubePodEnvSettings> {
    private boolean inCluster;
    private String serverUrl;
    private String caCertificate;
    private String credentialsId;
    private String namespace;
    private String template;
    private String storageClass;
    private String storageSize;
    private String readyTimeout;
    private String sleepAfter;
    private String maxIdle;
    private Boolean sync;
    private String connectionMode;
    private Boolean serverSideApply;

    @DataBoundConstructor
    public KubePodEnvSettings() {
    }

    /** This level as the engine sees it. */
    public SettingsLayer toLayer(String origin, boolean trusted) {
        ClusterTarget cluster = new ClusterTarget(inCluster, serverUrl, caCertificate, credentialsId);
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, storageSize,
            serverSideApply, readyTimeout, connectionMode, null, sleepAfter, maxIdle, sync);
    }

    public boolean isInCluster() {
        return inCluster;
    }

    @DataBoundSetter
    public void setInCluster(boolean inCluster) {
        this.inCluster = inCluster;
    }

    public String getServerUrl() {
        return serverUrl;
    }

    @DataBoundSetter
    public void setServerUrl(String serverUrl) {
        this.serverUrl = FormValues.blankToNull(serverUrl);
    }

    public String getCaCertificate() {
        return caCertificate;
    }

    @DataBoundSetter
    public void setCaCertificate(String caCertificate) {
        this.caCertificate = FormValues.blankToNull(caCertificate);
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = FormValues.blankToNull(credentialsId);
    }

    public String getNamespace() {
        return namespace;
    }

    @DataBoundSetter
    public void setNamespace(String namespace) {
        this.namespace = FormValues.blankToNull(namespace);
    }

    public String getTemplate() {
        return template;
    }

    @DataBoundSetter
    public void setTemplate(String template) {
        this.template = template == null || template.isBlank() ? null : template;
    }

    public String getStorageClass() {
        return storageClass;
    }

    @DataBoundSetter
    public void setStorageClass(String storageClass) {
        this.storageClass = FormValues.blankToNull(storageClass);
    }

    public String getStorageSize() {
        return storageSize;
    }

    @DataBoundSetter
    public void setStorageSize(String storageSize) {
        this.storageSize = FormValues.blankToNull(storageSize);
    }

    public String getReadyTimeout() {
        return readyTimeout;
    }

    @DataBoundSetter
    public void setReadyTimeout(String readyTimeout) {
        this.readyTimeout = FormValues.blankToNull(readyTimeout);
    }

    public String getSleepAfter() {
        return sleepAfter;
    }

    @DataBoundSetter
    public void setSleepAfter(String sleepAfter) {
        this.sleepAfter = FormValues.blankToNull(sleepAfter);
    }

    public String getMaxIdle() {
        return maxIdle;
    }

    @DataBoundSetter
    public void setMaxIdle(String maxIdle) {
        this.maxIdle = FormValues.blankToNull(maxIdle);
    }

    public String getConnectionMode() {
        return connectionMode;
    }

    @DataBoundSetter
    public void setConnectionMode(String connectionMode) {
        this.connectionMode = FormValues.blankToNull(connectionMode);
    }

    public Boolean getServerSideApply() {
        return serverSideApply;
    }

    @DataBoundSetter
    public void setServerSideApply(Boolean serverSideApply) {
        this.serverSideApply = serverSideApply;
    }

    public Boolean getSync() {
        return sync;
    }

    @DataBoundSetter
    public void setSync(Boolean sync) {
        this.sync = sync;
    }

    @Extension
    public static final class DescriptorImpl extends Descriptor<KubePodEnvSettings> {
        @Override
        public String getDisplayName() {
            return "kube-pod-env settings";
        }

        /** The bundled template, shown as the text area's placeholder help. */
        public String getDefaultTemplate() {
            return io.kubepodenv.engine.TemplateSource.bundledDefault().text();
        }

        /** Stapler would bind a drop-down's "" ("inherit") to {@code false}; left out, the field stays null. */
        @Override
        public KubePodEnvSettings newInstance(StaplerRequest2 req, JSONObject formData) throws FormException {
            return super.newInstance(req, FormValues.withoutBlanks(formData));
        }

        /**
         * The credentials a build of the configured item could use: looked up as that build would look them up (see
         * {@link #lookupAs}), shown only to a user who may configure the item and use its credentials.
         */
        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            StandardListBoxModel model = new StandardListBoxModel();
            if (!canUseCredentials(item)) {
                model.includeCurrentValue(credentialsId);
                return model;
            }
            model.includeEmptyValue().includeMatchingAs(lookupAs(item), contextOf(item), StandardCredentials.class,
                List.of(), CredentialsMatchers.anyOf(CredentialsMatchers.instanceOf(StringCredentials.class),
                    CredentialsMatchers.instanceOf(FileCredentials.class),
                    CredentialsMatchers.instanceOf(StandardCertificateCredentials.class),
                    CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class),
                    CredentialsMatchers.instanceOf(TokenProducer.class)))
                .includeCurrentValue(credentialsId);
            return model;
        }

        @POST
        public ListBoxModel doFillConnectionModeItems() {
            return Choices.connectionModes();
        }

        @POST
        public ListBoxModel doFillSyncItems() {
            return Choices.sync();
        }

        @POST
        public ListBoxModel doFillServerSideApplyItems() {
            return Choices.serverSideApply();
        }

        @POST
        public FormValidation doCheckServerUrl(@AncestorInPath Item item, @QueryParameter String value,
            @QueryParameter boolean inCluster) {
            if (!canConfigure(item) || value == null || value.isBlank()) {
                return FormValidation.ok();
            }
            return validate(() -> new ClusterTarget(inCluster, value, "", "x").validate("server URL"));
        }

        @POST
        public FormValidation doCheckCaCertificate(@AncestorInPath Item item, @QueryParameter String value) {
            if (!canConfigure(item) || value == null || value.isBlank()) {
                return FormValidation.ok();
            }
            return validate(() -> io.kubepodenv.engine.config.Pem.certificates("CA certificate", value));
        }

        @POST
        public FormValidation doCheckNamespace(@AncestorInPath Item item, @QueryParameter String value) {
            return checkField(item, SettingsLayer.configuration("this level").withNamespace(value));
        }

        @POST
        public FormValidation doCheckStorageClass(@AncestorInPath Item item, @QueryParameter String value) {
            return checkField(item, SettingsLayer.configuration("this level").withStorageClass(value));
        }

        @POST
        public FormValidation doCheckStorageSize(@AncestorInPath Item item, @QueryParameter String value) {
            return checkField(item, SettingsLayer.configuration("this level").withStorageSize(value));
        }

        @POST
        public FormValidation doCheckReadyTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            return checkField(item, SettingsLayer.configuration("this level").withReadyTimeout(value));
        }

        @POST
        public FormValidation doCheckSleepAfter(@AncestorInPath Item item, @QueryParameter String value) {
            return checkField(item, SettingsLayer.configuration("this level").withSleepAfter(value));
        }

        @POST
        public FormValidation doCheckMaxIdle(@AncestorInPath Item item, @QueryParameter String value) {
            return checkField(item, SettingsLayer.configuration("this level").withMaxIdle(value));
        }

        /** Renders and validates the template; no cluster needed. */
        @POST
        public FormValidation doCheckTemplate(@AncestorInPath Item item, @QueryParameter String value) {
            if (!canConfigure(item) || value == null || value.isBlank()) {
                return FormValidation.ok();
            }
            return validate(() -> LevelCheck.render(value, null, null, null));
        }

        /** Shows what the template renders to for an example pull request, with this form's values. */
        @POST
        public FormValidation doPreview(@AncestorInPath Item item, @QueryParameter String template,
            @QueryParameter String namespace, @QueryParameter String storageClass,
            @QueryParameter String storageSize) {
            checkConfigure(item);
            try {
                return FormValidation.ok(LevelCheck.preview(template, namespace, storageClass, storageSize));
            } catch (InvalidInputException e) {
                return FormValidation.error(e.getMessage());
            }
        }

        /**
         * Connects with this form's cluster settings and asks the API server whether the credentials may do what an
         * environment needs in the namespace. The credential is looked up as a build of the item would look it up,
         * and only for a user who may configure the item and use its credentials: otherwise whoever may configure a
         * job could send any credential to a URL of their choosing.
         */
        @POST
        public FormValidation doTestConnection(@AncestorInPath Item item, @QueryParameter boolean inCluster,
            @QueryParameter String serverUrl, @QueryParameter String caCertificate,
            @QueryParameter String credentialsId, @QueryParameter String namespace, @QueryParameter String template) {
            checkConfigure(item);
            if (item != null && !item.hasPermission(CredentialsProvider.USE_ITEM)) {
                return FormValidation.error("you may not use the credentials of '" + item.getFullName() + "'");
            }
            if (item instanceof Job<?, ?> job && !SettingsLevels.isTrusted(job)) {
                return FormValidation.error("a Pipeline job cannot choose the cluster or credentials (its Jenkinsfile "
                    + "can change its properties): set them in a folder or the global configuration");
            }
            ClusterTarget target = new ClusterTarget(inCluster, serverUrl, caCertificate, credentialsId);
            String ns = namespace == null || namespace.isBlank() ? Options.DEFAULT_NAMESPACE : namespace.strip();
            ClusterConnection connection;
            try {
                target.validate("this configuration");
                connection = ClusterAccess.forConfiguration(target, contextOf(item), ns, lookupAs(item));
            } catch (InvalidInputException | java.io.IOException e) {
                return FormValidation.error(e.getMessage());
            }
            try {
                AccessCheck.Report report = LevelCheck.access(connection, ns, template);
                String summary = report.summary(ns);
                return report.ok() ? FormValidation.ok(summary) : FormValidation.warning(summary);
            } catch (InvalidInputException e) {
                return FormValidation.error(connection.masker().mask(e.getMessage()));
            } catch (RuntimeException e) {
                return FormValidation.error(connection.masker().describe(e));
            }
        }

        /** As whom a build configured here finds its credentials: a job's builds as their own authentication. */
        private static Authentication lookupAs(Item item) {
            return item instanceof Queue.Task task ? Tasks.getAuthenticationOf2(task) : ACL.SYSTEM2;
        }

        private static boolean canUseCredentials(Item item) {
            return item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                : item.hasPermission(Item.CONFIGURE) && item.hasPermission(CredentialsProvider.USE_ITEM);
        }

        private static FormValidation checkField(Item item, SettingsLayer level) {
            return canConfigure(item) ? validate(() -> LevelCheck.fields(level)) : FormValidation.ok();
        }

        private static FormValidation validate(Runnable check) {
            try {
                check.run();
                return FormValidation.ok();
            } catch (InvalidInputException e) {
                return FormValidation.error(e.getMessage());
            }
        }

        private static boolean canConfigure(Item item) {
            return item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                : item.hasPermission(Item.CONFIGURE);
        }

        private static void checkConfigure(Item item) {
            if (item == null) {
                Jenkins.get().checkPermission(Jenkins.ADMINISTER);
            } else {
                item.checkPermission(Item.CONFIGURE);
            }
        }

        /** Where credentials are looked up: the folder being configured, a job's folder, or the root. */
        static ItemGroup<?> contextOf(Item item) {
            if (item == null) {
                return Jenkins.get();
            }
            return item instanceof ItemGroup<?> group ? group : item.getParent();
        }
    }
}
