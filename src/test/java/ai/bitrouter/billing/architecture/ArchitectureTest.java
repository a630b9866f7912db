package ai.bitrouter.billing.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

/** The rules that keep money exact and the pricing core plain Java, checked on the compiled classes. */
class ArchitectureTest {
    // Run as plain JUnit tests (ArchUnit's own engine does not start on this JUnit platform version).
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("ai.bitrouter.billing");

    /** Pricing and money are tested in milliseconds with plain JUnit: no framework may creep in. */
    static final ArchRule pricingCoreIsPlainJava = noClasses().that()
            .resideInAnyPackage("ai.bitrouter.billing.money..", "ai.bitrouter.billing.pricing..")
            .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "jakarta..", "javax..",
                    "com.fasterxml..", "org.hibernate..", "io.smallrye..", "org.eclipse.microprofile..", "io.vertx..",
                    "ai.bitrouter.billing.catalog..", "ai.bitrouter.billing.metering..");

    static final ArchRule noFloatingPointFields = noFields().should().haveRawType(double.class)
            .orShould().haveRawType(float.class).orShould().haveRawType(Double.class).orShould().haveRawType(Float.class)
            .because("money and rates are exact decimals; there is no other use for floating point here");

    static final ArchRule noFloatingPointResults = noMethods().should().haveRawReturnType(double.class)
            .orShould().haveRawReturnType(float.class)
            .because("money and rates are exact decimals");

    /** Rounding happens in one class: nobody else calls BigDecimal.setScale with a rounding mode. */
    static final ArchRule oneRoundingPlace = noClasses().that().resideOutsideOfPackage("ai.bitrouter.billing.money..")
            .should().callMethod(java.math.BigDecimal.class, "setScale", int.class, java.math.RoundingMode.class)
            .because("money.Rounding is the one place amounts are rounded");

    @Test
    void thePricingCoreIsPlainJava() {
        pricingCoreIsPlainJava.check(CLASSES);
    }

    @Test
    void nothingHoldsOrReturnsFloatingPoint() {
        noFloatingPointFields.check(CLASSES);
        noFloatingPointResults.check(CLASSES);
    }

    @Test
    void onlyTheMoneyPackageRounds() {
        oneRoundingPlace.check(CLASSES);
    }

    @Test
    void theRulesSeeTheWholeService() {
        // Guards against a vacuous pass: an empty import would satisfy every "no ..." rule.
        org.junit.jupiter.api.Assertions.assertTrue(CLASSES.size() > 100, "classes imported: " + CLASSES.size());
        org.junit.jupiter.api.Assertions.assertTrue(CLASSES.contain("ai.bitrouter.billing.pricing.PricingEngine"));
    }
}
