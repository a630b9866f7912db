package ai.bitrouter.billing.catalog.api;

import ai.bitrouter.billing.catalog.CatalogSnapshot;
import ai.bitrouter.billing.catalog.ModelInfo;
import ai.bitrouter.billing.catalog.OfficialEntry;
import ai.bitrouter.billing.catalog.OfficialSource;
import ai.bitrouter.billing.catalog.PriceJson;
import ai.bitrouter.billing.catalog.ProviderInfo;
import ai.bitrouter.billing.catalog.SelfHostedPrice;
import ai.bitrouter.billing.pricing.PricingPolicy;
import ai.bitrouter.billing.pricing.Variant;
import java.util.ArrayList;
import java.util.List;

/** Renders catalog content for the public models API. */
final class ModelViews {

    private ModelViews() {
    }

    static ModelView of(CatalogSnapshot catalog, ModelInfo model, PricingPolicy policy) {
        boolean closed = policy.isClosedFamily(model.id());
        OfficialEntry official = catalog.official().get(model.id());
        List<ModelView.Provider> providers = new ArrayList<>();
        catalog.offersOf(model.id()).forEach((key, price) -> {
            ProviderInfo p = catalog.providers().get(key.providerId());
            providers.add(new ModelView.Provider(p.id(), p.name(), p.kind(), p.status(), p.byok(),
                    policy.isSelfHosted(p.id()), price.map(PriceJson::of).orElse(null)));
        });
        boolean servedSelfHosted = catalog.offersOf(model.id()).keySet().stream()
                .anyMatch(k -> policy.isSelfHosted(k.providerId()));
        ModelView.SelfHosted selfHosted = closed || official == null || !servedSelfHosted ? null
                : selfHosted(official, policy);
        return new ModelView(model.id(), model.name(), model.family(), model.openWeights(), closed,
                official == null ? null : new ModelView.Official(official.source().wireName(),
                        official.source() == OfficialSource.DERIVED, official.basisProviderId(),
                        PriceJson.of(official.price())),
                selfHosted, providers);
    }

    private static ModelView.SelfHosted selfHosted(OfficialEntry official, PricingPolicy policy) {
        return new ModelView.SelfHosted(policy.selfHostedProviderId(),
                policy.defaultOpenDiscount().percent().toPlainString(),
                PriceJson.of(SelfHostedPrice.of(official.price(), policy.defaultOpenDiscount())),
                new ModelView.DiscountVariant(":" + Variant.DISCOUNT.suffix(),
                        policy.defaultOpenDiscount().percent().toPlainString(),
                        policy.customDiscountCap().percent().toPlainString(),
                        PriceJson.of(SelfHostedPrice.of(official.price(), policy.customDiscountCap()))));
    }
}
